"""What happens around a status change: cancel (restock, coupon, payments), staff moves,
editable details, and expiry of unpaid orders.

Status writes go through `state.transition`, money through `payments`; nothing here commits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from kastoma.errors import Conflict, ValidationFailed
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.orders import payments, purchasable
from kastoma.orders.coupons import release
from kastoma.orders.enums import OrderStatus, PaymentStatus
from kastoma.orders.models import Order
from kastoma.orders.notifications import notify
from kastoma.orders.providers import ONLINE_METHODS
from kastoma.orders.state import allowed_moves, transition
from kastoma.users.models import User


def cancel_order(order: Order, actor: User | None, *, by_staff: bool, note: str = "") -> Order:
    """Cancel: restock every item, give back the coupon use, void a pending charge and refund
    what was captured."""
    transition(order, OrderStatus.CANCELLED, actor=actor, note=note or "Order cancelled.", by_staff=by_staff)
    purchasable.restock(order, actor)
    release(order)
    payments.void_pending(order)
    if order.payment_status == PaymentStatus.PAID:
        payments.refund_captured(order)
    notify(order, OrderStatus.CANCELLED, note)
    return order


def change_status(order: Order, to: OrderStatus, actor: User, note: str = "") -> Order:
    """A staff move through the state machine (cancel and refund include their side effects).
    An order ships with its tracking number (`add_tracking` first, or the back office's form)."""
    if to is OrderStatus.CANCELLED:
        return cancel_order(order, actor, by_staff=True, note=note)
    shipping = to is OrderStatus.SHIPPED and to in allowed_moves(OrderStatus(order.status), by_staff=True)
    if shipping and not (order.tracking_number or "").strip():
        raise ValidationFailed(
            "A tracking number is needed to ship.", errors={"tracking_number": ["Add the tracking number first."]}
        )
    transition(order, to, actor=actor, note=note)
    if to is OrderStatus.REFUNDED and order.payment_status == PaymentStatus.PAID:
        payments.refund_captured(order)
    notify(order, to, note)
    return order


class OrdersAreNeverDeleted(Conflict):
    code = "orders_are_never_deleted"
    message = "Orders are never deleted (the books need them); cancel it instead: POST orders/<id>/cancel/."


# What staff may edit directly; status, totals, items and payment only move through the functions here.
STAFF_EDITABLE = frozenset({"internal_notes", "tracking_number", "carrier", "tracking_url", "estimated_delivery"})


def update_details(order: Order, data: dict[str, Any]) -> Order:
    for field, value in data.items():
        if field not in STAFF_EDITABLE:
            raise ValidationFailed(errors={field: ["This field cannot be edited."]})
        setattr(order, field, value)
    return order


def expire_unpaid(now=None) -> list[Order]:
    """Cancel and restock card orders left unpaid past ORDER_PAYMENT_TIMEOUT_MINUTES."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=current_app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"])
    stale = db.session.scalars(
        select(Order)
        .where(
            Order.status == OrderStatus.PENDING,
            Order.payment_method.in_(sorted(ONLINE_METHODS)),
            Order.payment_status != PaymentStatus.PAID,
            Order.created_at < cutoff,
        )
        .order_by(Order.created_at)
        .with_for_update(skip_locked=True)
    ).all()
    for order in stale:
        cancel_order(order, None, by_staff=True, note="Payment not received in time.")
    return list(stale)
