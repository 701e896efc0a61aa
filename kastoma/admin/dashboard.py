"""The back-office home page: today's and this week's sales, work queues and a 30-day chart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_admin import AdminIndexView, expose
from sqlalchemy import func, select

from kastoma.admin.base import StaffAccess
from kastoma.core.settings import get_setting
from kastoma.extensions import db
from kastoma.orders.enums import OrderStatus
from kastoma.products.listing import low_stock
from kastoma.products.models import Review, ReviewStatus
from kastoma.reports import sales

WAITING = (OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
CHART_WIDTH, CHART_HEIGHT = 900, 220
EPOCH = date(2000, 1, 1)


def chart_bars(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bar geometry for the inline SVG chart (revenue per day), computed here so the template stays dumb."""
    top = max((d["revenue"] for d in days), default=Decimal("0")) or Decimal("1")
    slot = CHART_WIDTH / max(len(days), 1)
    bars = []
    for i, day in enumerate(days):
        height = float(day["revenue"] / top) * (CHART_HEIGHT - 30)
        bars.append(
            {
                "x": round(i * slot + 2, 1),
                "y": round(CHART_HEIGHT - 20 - height, 1),
                "width": round(slot - 4, 1),
                "height": round(height, 1),
                "date": day["date"],
                "orders": day["orders"],
                "revenue": day["revenue"],
                "label": i % 5 == 0 or i == len(days) - 1,
                # The last label is right-aligned so it stays inside the chart.
                "label_x": round((i + 1) * slot - 2, 1) if i == len(days) - 1 else round(i * slot + 2, 1),
                "anchor": "end" if i == len(days) - 1 else "start",
            }
        )
    return bars


class DashboardView(StaffAccess, AdminIndexView):
    def _status_url(self, status: OrderStatus) -> str:
        orders = next(v for v in self.admin._views if getattr(v, "endpoint", None) == "order")
        return orders.status_filter_url(status.value)

    @expose("/")
    def index(self) -> Any:
        today = datetime.now(UTC).date()
        week_start = today - timedelta(days=today.weekday())
        month = sales.sales_by_day(today - timedelta(days=29), today)
        by_status = sales.orders_by_status(EPOCH, today)
        pending_reviews = db.session.scalar(select(func.count(Review.id)).where(Review.status == ReviewStatus.PENDING))
        latest_reviews = db.session.scalars(
            select(Review).where(Review.status == ReviewStatus.PENDING).order_by(Review.created_at.desc()).limit(5)
        ).all()
        return self.render(
            "admin_kastoma/dashboard.html",
            currency=get_setting("currency"),
            # Today and this week are the tail of the 30 days already loaded for the chart.
            today=sales.summarise(month[-1:]),
            week=sales.summarise([d for d in month if d["date"] >= week_start]),
            waiting=[(status.value, by_status.get(status.value, 0), self._status_url(status)) for status in WAITING],
            low_stock=db.session.scalars(low_stock().limit(10)).all(),
            pending_reviews=pending_reviews,
            latest_reviews=latest_reviews,
            month_total=sales.summarise(month)["revenue"],
            month_orders=sales.summarise(month)["orders"],
            bars=chart_bars(month),
            chart_width=CHART_WIDTH,
            chart_height=CHART_HEIGHT,
        )
