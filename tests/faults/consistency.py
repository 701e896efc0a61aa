"""After a fault: is every order in the database whole, and does the stock add up?"""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kastoma.extensions import db
from kastoma.orders.enums import OrderStatus
from kastoma.orders.models import Order, OrderItem
from kastoma.orders.totals import compute_totals, money, pricing_rules
from kastoma.products.models import Product, StockMovement, StockReason


def assert_orders_whole(initial_stock: dict[uuid.UUID, int]) -> list[Order]:
    """Every order has its items, totals computed from them, its first status entry and one sale
    movement per item; no sale movement lacks its order; for each product of `initial_stock`
    (id -> stock before the test) stock + units sold == initial stock. Returns the orders."""
    db.session.expire_all()
    rules = pricing_rules()
    orders = db.session.scalars(select(Order).options(selectinload(Order.items), selectinload(Order.history))).all()
    for order in orders:
        number = order.order_number
        assert order.items, f"{number} has no items"
        for item in order.items:
            assert item.line_total == money(item.unit_price * item.quantity), number
        assert not order.coupon_code, "the scenarios use no coupon"
        totals = compute_totals([(i.unit_price, i.quantity) for i in order.items], order.shipping_method, rules)
        stored = (order.subtotal, order.discount_amount, order.shipping_cost, order.tax_amount, order.total)
        assert stored == (totals.subtotal, totals.discount, totals.shipping, totals.tax, totals.total), number
        assert [(h.from_status, h.to_status) for h in order.history] == [(None, OrderStatus.PENDING)], number
        movements = db.session.execute(
            select(StockMovement.product_id, StockMovement.variant_id, StockMovement.delta).where(
                StockMovement.reference == number, StockMovement.reason == StockReason.SALE
            )
        ).all()
        assert Counter((m.product_id, m.variant_id, -m.delta) for m in movements) == Counter(
            (i.product_id, i.variant_id, i.quantity) for i in order.items
        ), number

    stray = db.session.scalar(
        select(func.count(StockMovement.id)).where(
            StockMovement.reason == StockReason.SALE, StockMovement.reference.not_in(select(Order.order_number))
        )
    )
    assert stray == 0, "sale movements without their order"

    for product_id, initial in initial_stock.items():
        units = db.session.scalar(
            select(func.coalesce(func.sum(OrderItem.quantity), 0)).where(OrderItem.product_id == product_id)
        )
        stock = db.session.scalar(select(Product.stock).where(Product.id == product_id))
        moved = db.session.scalar(
            select(func.coalesce(func.sum(StockMovement.delta), 0)).where(
                StockMovement.product_id == product_id, StockMovement.reason == StockReason.SALE
            )
        )
        assert (stock + units, moved) == (initial, -units), f"product {product_id}"
    return list(orders)
