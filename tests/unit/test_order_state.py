"""The order state machine: every move in the table is allowed, every other one refused."""

from __future__ import annotations

import itertools

import pytest

from kastoma.errors import InvalidTransition
from kastoma.orders.enums import OrderStatus, PaymentStatus
from kastoma.orders.models import Order
from kastoma.orders.state import (
    CUSTOMER_CANCELLABLE,
    PAYMENT_TRANSITIONS,
    TRANSITIONS,
    allowed_moves,
    set_payment_status,
    transition,
)

PAIRS = list(itertools.product(OrderStatus, OrderStatus))


def order_in(status: OrderStatus) -> Order:
    return Order(status=status, payment_status=PaymentStatus.PENDING, shipping_address={}, billing_address={})


def test_the_table_is_the_documented_lifecycle():
    assert TRANSITIONS[OrderStatus.PENDING] == {OrderStatus.CONFIRMED, OrderStatus.CANCELLED}
    assert TRANSITIONS[OrderStatus.CONFIRMED] == {OrderStatus.PROCESSING, OrderStatus.CANCELLED}
    assert TRANSITIONS[OrderStatus.PROCESSING] == {OrderStatus.SHIPPED, OrderStatus.CANCELLED}
    assert TRANSITIONS[OrderStatus.SHIPPED] == {OrderStatus.DELIVERED}
    assert TRANSITIONS[OrderStatus.DELIVERED] == {OrderStatus.REFUNDED}
    assert TRANSITIONS[OrderStatus.CANCELLED] == TRANSITIONS[OrderStatus.REFUNDED] == frozenset()
    assert {OrderStatus.PENDING, OrderStatus.CONFIRMED} == CUSTOMER_CANCELLABLE


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_staff_moves_follow_the_table(app, db_session, current, target):
    order = order_in(current)
    if target in TRANSITIONS[current]:
        transition(order, target, note="by staff")
        assert order.status is target
        entry = order.history[-1]
        assert (entry.from_status, entry.to_status, entry.note) == (current, target, "by staff")
        stamp = {
            OrderStatus.CONFIRMED: "confirmed_at",
            OrderStatus.SHIPPED: "shipped_at",
            OrderStatus.DELIVERED: "delivered_at",
            OrderStatus.CANCELLED: "cancelled_at",
        }.get(target)
        if stamp:
            assert getattr(order, stamp) is not None
    else:
        with pytest.raises(InvalidTransition) as exc:
            transition(order, target)
        assert order.status is current and order.history == []
        assert exc.value.errors["from"] == current.value and exc.value.status_code == 409
    db_session.expunge_all()


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_customers_may_only_cancel_early(current, target):
    allowed = allowed_moves(current, by_staff=False)
    expected = {OrderStatus.CANCELLED} if current in CUSTOMER_CANCELLABLE and target is OrderStatus.CANCELLED else set()
    assert (target in allowed) == (target in expected)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(PaymentStatus, PaymentStatus)))
def test_payment_moves_follow_their_table(current, target):
    order = order_in(OrderStatus.PENDING)
    order.payment_status = current
    if target in PAYMENT_TRANSITIONS[current]:
        set_payment_status(order, target)
        assert order.payment_status is target
        assert (order.paid_at is not None) == (target is PaymentStatus.PAID)
    else:
        with pytest.raises(InvalidTransition):
            set_payment_status(order, target)
        assert order.payment_status is current
