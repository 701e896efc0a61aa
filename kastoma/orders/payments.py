"""Taking the money: charges through the providers, signed provider events, manual payments
recorded by staff, and money that arrives when the order no longer wants it.

An order keeps only the money it asked for. A capture that arrives for a cancelled order, or
for an order that another payment has settled already, is recorded and refunded at once
(Stripe's advice for late captures); a charge still pending when an order is cancelled is
voided at the provider first. Nothing here commits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from kastoma.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from kastoma.extensions import db
from kastoma.orders.enums import ChargeStatus, OrderStatus, PaymentStatus
from kastoma.orders.models import Order, Payment, WebhookEvent
from kastoma.orders.notifications import notify
from kastoma.orders.providers import METHOD_PROVIDERS, ONLINE_METHODS, get_provider
from kastoma.orders.state import record_note, set_payment_status, transition
from kastoma.users.models import User

log = logging.getLogger("kastoma.payments")

PAYABLE = (OrderStatus.PENDING, OrderStatus.CONFIRMED)
UNPAID = (PaymentStatus.PENDING, PaymentStatus.FAILED)
EVENT_TYPES = ("payment.succeeded", "payment.failed")
CURRENCY = re.compile(r"^[A-Z]{3}$")


def pay(order: Order, provider_name: str, token: str) -> Payment:
    """Charge the order through `provider_name`; success confirms a pending order."""
    if order.status not in PAYABLE:
        raise InvalidTransition(f"A {order.status.value} order cannot be paid.")
    if order.payment_status not in UNPAID:
        raise Conflict("This order is already paid.", code="already_paid")
    if provider_name not in METHOD_PROVIDERS.get(order.payment_method, set()):
        raise ValidationFailed(errors={"provider": [f"{provider_name} cannot take {order.payment_method} payments."]})
    if any(p.status == ChargeStatus.PENDING for p in order.payments):
        raise Conflict("A payment for this order is still being processed.", code="payment_in_progress")
    result = get_provider(provider_name).charge(order.total, order.currency, token)
    payment = Payment(
        order=order,
        provider=provider_name,
        amount=order.total,
        currency=order.currency,
        status=result.status,
        provider_reference=result.reference,
        failure_reason=result.failure_reason,
    )
    db.session.add(payment)
    if result.status == ChargeStatus.SUCCEEDED:
        _settle(order, payment)
    elif result.status == ChargeStatus.FAILED:
        set_payment_status(order, PaymentStatus.FAILED)
    return payment


def mark_paid(order: Order, actor: User, note: str = "") -> Payment:
    """Staff record a manual payment (bank transfer received, cash collected)."""
    refusal = _mark_paid_refusal(order)
    if refusal is not None:
        raise refusal
    payment = next((p for p in order.payments if p.provider == "manual" and p.status == ChargeStatus.PENDING), None)
    if payment is None:
        payment = Payment(
            order=order,
            provider="manual",
            amount=order.total,
            currency=order.currency,
            status=ChargeStatus.PENDING,
            provider_reference="staff",
        )
        db.session.add(payment)
    payment.status = ChargeStatus.SUCCEEDED
    _settle(order, payment, actor=actor, note=note or "Payment received.")
    return payment


def can_mark_paid(order: Order) -> bool:
    return _mark_paid_refusal(order) is None


def _mark_paid_refusal(order: Order) -> Exception | None:
    # Card and PayPal orders are paid through their provider only: a staff member marking one
    # paid while its charge is in flight would have the order paid twice.
    if order.payment_method in ONLINE_METHODS:
        return Conflict(
            "Card and PayPal orders are paid through the payment provider; staff record bank transfers "
            "and cash on delivery only.",
            code="paid_through_provider",
        )
    if order.payment_status not in UNPAID:
        return Conflict("This order is already paid.", code="already_paid")
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return InvalidTransition(f"A {order.status.value} order cannot be paid.")
    return None


def void_pending(order: Order) -> None:
    """Cancel every charge of the order that is still pending (the order is being cancelled)."""
    for payment in order.payments:
        if payment.status == ChargeStatus.PENDING:
            get_provider(payment.provider).void(payment.provider_reference)
            payment.status = ChargeStatus.CANCELLED


def refund_captured(order: Order) -> None:
    """Give back everything captured for the order (it is cancelled or refunded)."""
    for payment in order.payments:
        if payment.status == ChargeStatus.SUCCEEDED:
            _refund(payment)
    set_payment_status(order, PaymentStatus.REFUNDED)


def _refund(payment: Payment) -> None:
    get_provider(payment.provider).refund(payment.provider_reference, payment.amount - payment.refunded_amount)
    payment.refunded_amount = payment.amount
    payment.status = ChargeStatus.REFUNDED


def _settle(order: Order, payment: Payment, actor: User | None = None, note: str = "") -> None:
    """A succeeded charge: it pays the order if the order still wants the money, and is refunded
    at once otherwise (cancelled meanwhile, or paid by another charge)."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED) or order.payment_status not in UNPAID:
        _refund_unwanted(order, payment)
        return
    set_payment_status(order, PaymentStatus.PAID)
    if order.status is OrderStatus.PENDING:
        transition(order, OrderStatus.CONFIRMED, actor=actor, note=note or "Payment received.")
        notify(order, OrderStatus.CONFIRMED)


def _refund_unwanted(order: Order, payment: Payment) -> None:
    _refund(payment)
    if order.payment_status in UNPAID:  # the order kept nothing: its money came and went back
        set_payment_status(order, PaymentStatus.PAID)
        set_payment_status(order, PaymentStatus.REFUNDED)
    why = "cancelled" if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED) else "already paid"
    record_note(order, f"A payment of {payment.amount} {payment.currency} arrived for a {why} order; refunded.")
    log.warning(
        "refunded a capture the order did not want",
        extra={"order": order.order_number, "payment": str(payment.id), "reason": why},
    )


# --- Provider events ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderEvent:
    """A verified provider webhook: what happened to which charge, and for how much."""

    id: str
    type: str
    reference: str
    amount: Decimal | None
    currency: str | None
    reason: str


def parse_event(body: Any) -> ProviderEvent:
    """The event of a webhook body, or a ValidationFailed naming what is wrong with it.
    A capture must say what it captured: `data.amount` and `data.currency`."""
    if not isinstance(body, dict):
        raise ValidationFailed(errors={"_schema": ["Expected a JSON object."]})
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    errors: dict[str, list[str]] = {}
    event_id, kind, reference = body.get("id"), body.get("type"), data.get("reference")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 100:
        errors["id"] = ["A string of 1-100 characters."]
    if kind not in EVENT_TYPES:
        errors["type"] = [f"One of {', '.join(EVENT_TYPES)}."]
    if not isinstance(reference, str) or not 0 < len(reference) <= 100:
        errors["data.reference"] = ["The charge's reference, 1-100 characters."]
    amount = _amount(data.get("amount"))
    currency = data.get("currency")
    if "amount" in data and amount is None:
        errors["data.amount"] = ['A positive decimal amount with at most 2 decimals, e.g. "15.99".']
    if currency is not None and not (isinstance(currency, str) and CURRENCY.match(currency)):
        errors["data.currency"] = ['A three-letter ISO 4217 code, e.g. "USD".']
    if kind == "payment.succeeded":
        if "amount" not in data:
            errors["data.amount"] = ["Required."]
        if currency is None:
            errors["data.currency"] = ["Required."]
    if errors:
        raise ValidationFailed("This is not a payment event Kastoma understands.", errors=errors)
    reason = data.get("reason")
    return ProviderEvent(
        event_id, kind, reference, amount, currency, reason if isinstance(reason, str) else "Declined by the provider."
    )


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount


def handle_webhook(provider_name: str, body: Any) -> bool:
    """Apply a verified provider event once; False when it was already processed.

    The order is locked before the event is looked up, so the event and a cancellation (or a
    second delivery of the same event) take turns."""
    get_provider(provider_name)
    event = parse_event(body)
    found = db.session.scalar(
        select(Payment.order_id).where(Payment.provider == provider_name, Payment.provider_reference == event.reference)
    )
    if found is None:
        raise NotFound("No payment with this reference.")
    order = db.session.scalar(
        select(Order).where(Order.id == found).with_for_update().execution_options(populate_existing=True)
    )
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.provider == provider_name, Payment.provider_reference == event.reference)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    seen = db.session.scalar(
        select(WebhookEvent.id).where(WebhookEvent.provider == provider_name, WebhookEvent.event_id == event.id)
    )
    if seen is not None:
        return False
    if event.amount is not None and (event.amount, event.currency) != (payment.amount, payment.currency):
        log.warning(
            "payment event amount does not match the charge",
            extra={"event": event.id, "order": order.order_number, "amount": str(event.amount)},
        )
        raise ValidationFailed(
            f"The event is for {event.amount} {event.currency}; the charge is {payment.amount} {payment.currency}.",
            errors={"data.amount": ["Does not match the charge."]},
            code="amount_mismatch",
        )
    db.session.add(WebhookEvent(provider=provider_name, event_id=event.id))
    if event.type == "payment.succeeded":
        if payment.status in (ChargeStatus.PENDING, ChargeStatus.CANCELLED, ChargeStatus.FAILED):
            payment.status = ChargeStatus.SUCCEEDED
            _settle(order, payment)
    elif payment.status == ChargeStatus.PENDING:
        payment.status = ChargeStatus.FAILED
        payment.failure_reason = event.reason[:255]
        if order.payment_status is PaymentStatus.PENDING:
            set_payment_status(order, PaymentStatus.FAILED)
    return True
