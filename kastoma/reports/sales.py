"""Staff analytics: sales per day, orders by status, top products, low stock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, cast, func, select

from kastoma.extensions import db
from kastoma.orders.enums import OrderStatus
from kastoma.orders.models import Order, OrderItem
from kastoma.products.listing import low_stock as low_stock_products

# Revenue counts orders that were not cancelled or refunded.
EXCLUDED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, UTC), datetime.combine(end + timedelta(days=1), time.min, UTC)


def sales_by_day(start: date, end: date) -> list[dict[str, Any]]:
    lo, hi = _bounds(start, end)
    day = cast(Order.created_at, Date) if db.engine.dialect.name == "postgresql" else func.date(Order.created_at)
    rows = db.session.execute(
        select(day.label("day"), func.count(Order.id), func.coalesce(func.sum(Order.total), 0))
        .where(Order.created_at >= lo, Order.created_at < hi, Order.status.not_in(EXCLUDED))
        .group_by(day)
        .order_by(day)
    ).all()
    by_day = {str(d): (n, Decimal(str(total))) for d, n, total in rows}
    result = []
    current = start
    while current <= end:
        n, revenue = by_day.get(current.isoformat(), (0, Decimal("0")))
        result.append(
            {
                "date": current,
                "orders": n,
                "revenue": revenue,
                "average_order_value": (revenue / n).quantize(Decimal("0.01")) if n else Decimal("0.00"),
            }
        )
        current += timedelta(days=1)
    return result


def orders_by_status(start: date, end: date) -> dict[str, int]:
    lo, hi = _bounds(start, end)
    rows = db.session.execute(
        select(Order.status, func.count(Order.id))
        .where(Order.created_at >= lo, Order.created_at < hi)
        .group_by(Order.status)
    ).all()
    counts = {status.value: 0 for status in OrderStatus}
    counts.update({OrderStatus(status).value: n for status, n in rows})
    return counts


def top_products(start: date, end: date, limit: int = 10) -> list[dict[str, Any]]:
    lo, hi = _bounds(start, end)
    units = func.sum(OrderItem.quantity)
    rows = db.session.execute(
        select(OrderItem.product_id, func.max(OrderItem.product_name), units, func.sum(OrderItem.line_total))
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.created_at >= lo, Order.created_at < hi, Order.status.not_in(EXCLUDED))
        .group_by(OrderItem.product_id)
        .order_by(units.desc())
        .limit(limit)
    ).all()
    return [
        {"product_id": pid, "name": name, "units": int(n), "revenue": Decimal(str(rev))} for pid, name, n, rev in rows
    ]


def summarise(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Orders, revenue and average order value over some rows of `sales_by_day`."""
    orders = sum(d["orders"] for d in days)
    revenue = sum((d["revenue"] for d in days), Decimal("0"))
    aov = (revenue / orders).quantize(Decimal("0.01")) if orders else Decimal("0.00")
    return {"orders": orders, "revenue": revenue, "average_order_value": aov}


def low_stock(limit: int = 20) -> list[dict[str, Any]]:
    rows = db.session.scalars(low_stock_products().limit(limit)).all()
    return [
        {"product_id": p.id, "name": p.name, "sku": p.sku, "stock": p.stock_total, "threshold": p.low_stock_threshold}
        for p in rows
    ]


def sales_report(start: date, end: date) -> dict[str, Any]:
    days = sales_by_day(start, end)
    return {
        "start": start,
        "end": end,
        **summarise(days),
        "days": days,
        "orders_by_status": orders_by_status(start, end),
        "top_products": top_products(start, end),
        "low_stock": low_stock(limit=20),
    }
