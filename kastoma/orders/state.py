"""The order state machine: the only writer of `Order.status`.

Every move is checked against TRANSITIONS, recorded in the status history with its actor and
note, and stamps the matching timestamp. Side effects (restock, refunds, emails) belong to the
callers in `lifecycle.py`.
"""

from __future__ import annotations

import enum

from kastoma.errors import InvalidTransition
from kastoma.extensions import db
from kastoma.models import utcnow


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.PROCESSING, S.CANCELLED}),
    S.PROCESSING: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}
# Customers may cancel only before the shop starts working on the order.
CUSTOMER_CANCELLABLE = frozenset({S.PENDING, S.CONFIRMED})

PAYMENT_TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.PENDING: frozenset({PaymentStatus.PAID, PaymentStatus.FAILED}),
    PaymentStatus.FAILED: frozenset({PaymentStatus.PAID, PaymentStatus.PENDING}),
    PaymentStatus.PAID: frozenset({PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED}),
    PaymentStatus.PARTIALLY_REFUNDED: frozenset({PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
}

_STAMPS = {
    S.CONFIRMED: "confirmed_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.CANCELLED: "cancelled_at",
    S.REFUNDED: "refunded_at",
}


def allowed_moves(current: OrderStatus, *, by_staff: bool) -> frozenset[OrderStatus]:
    moves = TRANSITIONS[current]
    if not by_staff:
        moves = frozenset({S.CANCELLED}) & moves if current in CUSTOMER_CANCELLABLE else frozenset()
    return moves


def transition(order, to: OrderStatus, *, actor=None, note: str = "", by_staff: bool = True) -> None:
    """Move `order` to `to` or raise InvalidTransition; records the history entry."""
    from kastoma.orders.models import OrderStatusHistory

    current = OrderStatus(order.status)
    if to not in allowed_moves(current, by_staff=by_staff):
        raise InvalidTransition(
            f"An order cannot go from {current.value} to {to.value}.",
            errors={
                "from": current.value,
                "to": to.value,
                "allowed": sorted(m.value for m in allowed_moves(current, by_staff=by_staff)),
            },
        )
    now = utcnow()
    order.status = to
    if to in _STAMPS:
        setattr(order, _STAMPS[to], now)
    db.session.add(
        OrderStatusHistory(
            order=order,
            from_status=current,
            to_status=to,
            actor_id=getattr(actor, "id", None),
            note=note,
            created_at=now,
        )
    )


def record_initial_status(order, actor=None) -> None:
    from kastoma.orders.models import OrderStatusHistory

    db.session.add(
        OrderStatusHistory(
            order=order,
            from_status=None,
            to_status=order.status,
            actor_id=getattr(actor, "id", None),
            note="Order placed.",
            created_at=utcnow(),
        )
    )


def set_payment_status(order, to: PaymentStatus) -> None:
    current = PaymentStatus(order.payment_status)
    if to not in PAYMENT_TRANSITIONS[current]:
        raise InvalidTransition(
            f"A payment cannot go from {current.value} to {to.value}.", errors={"from": current.value, "to": to.value}
        )
    order.payment_status = to
    if to is PaymentStatus.PAID:
        order.paid_at = utcnow()
