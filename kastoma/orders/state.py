"""The order state machine: the only writer of `Order.status`.

Every move is checked against TRANSITIONS, recorded in the status history with its actor and
note, and stamps the matching timestamp. Side effects (restock, refunds, emails) belong to the
callers in `lifecycle.py` and `payments.py`.
"""

from __future__ import annotations

from kastoma.errors import InvalidTransition
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.orders.enums import OrderStatus, PaymentStatus
from kastoma.orders.models import OrderStatusHistory

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
    _record(order, current, to, actor, note, now)


def record_initial_status(order, actor=None) -> None:
    _record(order, None, order.status, actor, "Order placed.")


def record_note(order, note: str, actor=None) -> None:
    """A history entry that moves nothing (from and to are the current status): something staff
    and the customer should see in the order's timeline, such as a refund."""
    _record(order, order.status, order.status, actor, note)


def _record(order, from_status, to_status, actor, note: str, at=None) -> None:
    db.session.add(
        OrderStatusHistory(
            order=order,
            from_status=from_status,
            to_status=to_status,
            actor_id=getattr(actor, "id", None),
            note=note,
            created_at=at or utcnow(),
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
