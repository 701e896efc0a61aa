"""What happens around a status change: cancel (restock, coupon, refund), staff moves,
payments and their webhooks, expiry of unpaid orders, and the customer emails.

Status writes go through `state.transition`; nothing here commits.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from kastoma.core.emails import send_templated_email
from kastoma.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from kastoma.extensions import commit_keeping_loaded_state, db
from kastoma.models import utcnow
from kastoma.orders import catalogue
from kastoma.orders.coupons import release
from kastoma.orders.models import Order, Payment, WebhookEvent
from kastoma.orders.payments import METHOD_PROVIDERS, get_provider
from kastoma.orders.state import OrderStatus, PaymentStatus, set_payment_status, transition
from kastoma.users.models import User

log = logging.getLogger("kastoma.orders")

CARD_METHODS = ("credit_card", "paypal")


def cancel_order(order: Order, actor: User | None, *, by_staff: bool, note: str = "") -> Order:
    """Cancel: restock every item, give back the coupon use, refund a paid payment."""
    transition(order, OrderStatus.CANCELLED, actor=actor, note=note or "Order cancelled.", by_staff=by_staff)
    catalogue.restock(order, actor)
    release(order)
    if order.payment_status == PaymentStatus.PAID:
        _refund_all(order)
    notify_status(order, OrderStatus.CANCELLED, note)
    return order


def change_status(order: Order, to: OrderStatus, actor: User, note: str = "") -> Order:
    """A staff move through the state machine (cancel and refund include their side effects)."""
    if to is OrderStatus.CANCELLED:
        return cancel_order(order, actor, by_staff=True, note=note)
    transition(order, to, actor=actor, note=note)
    if to is OrderStatus.REFUNDED and order.payment_status == PaymentStatus.PAID:
        _refund_all(order)
    notify_status(order, to, note)
    return order


# What staff may edit directly; status, totals, items and payment only move through the functions here.
STAFF_EDITABLE = frozenset({"internal_notes", "tracking_number", "carrier", "tracking_url", "estimated_delivery"})


def update_details(order: Order, data: dict[str, Any]) -> Order:
    for field, value in data.items():
        if field not in STAFF_EDITABLE:
            raise ValidationFailed(errors={field: ["This field cannot be edited."]})
        setattr(order, field, value)
    return order


def _refund_all(order: Order) -> None:
    for payment in order.payments:
        if payment.status == "succeeded":
            get_provider(payment.provider).refund(payment.provider_reference, payment.amount - payment.refunded_amount)
            payment.refunded_amount = payment.amount
            payment.status = "refunded"
    set_payment_status(order, PaymentStatus.REFUNDED)


def pay(order: Order, provider_name: str, token: str) -> Payment:
    """Charge the order through `provider_name`; success confirms a pending order."""
    if order.status not in (OrderStatus.PENDING, OrderStatus.CONFIRMED):
        raise InvalidTransition(f"A {order.status.value} order cannot be paid.")
    if order.payment_status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        raise Conflict("This order is already paid.", code="already_paid")
    if provider_name not in METHOD_PROVIDERS.get(order.payment_method, set()):
        raise ValidationFailed(errors={"provider": [f"{provider_name} cannot take {order.payment_method} payments."]})
    if any(p.status == "pending" for p in order.payments):
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
    _apply_payment_result(order, payment)
    return payment


def mark_paid(order: Order, actor: User, note: str = "") -> Payment:
    """Staff record a manual payment (bank transfer received, cash collected)."""
    if order.payment_status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        raise Conflict("This order is already paid.", code="already_paid")
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        raise InvalidTransition(f"A {order.status.value} order cannot be paid.")
    payment = next((p for p in order.payments if p.provider == "manual" and p.status == "pending"), None)
    if payment is None:
        payment = Payment(
            order=order,
            provider="manual",
            amount=order.total,
            currency=order.currency,
            status="pending",
            provider_reference="staff",
        )
        db.session.add(payment)
    payment.status = "succeeded"
    _apply_payment_result(order, payment, actor=actor, note=note or "Payment received.")
    return payment


def _apply_payment_result(order: Order, payment: Payment, actor: User | None = None, note: str = "") -> None:
    if payment.status == "succeeded":
        set_payment_status(order, PaymentStatus.PAID)
        if order.status is OrderStatus.PENDING:
            transition(order, OrderStatus.CONFIRMED, actor=actor, note=note or "Payment received.")
            notify_status(order, OrderStatus.CONFIRMED)
    elif payment.status == "failed":
        set_payment_status(order, PaymentStatus.FAILED)


def handle_webhook(provider_name: str, event: dict[str, Any]) -> bool:
    """Apply a verified provider event once; False when it was already processed."""
    get_provider(provider_name)
    event_id = str(event.get("id") or "")
    reference = str((event.get("data") or {}).get("reference") or "")
    kind = event.get("type")
    if not event_id or kind not in ("payment.succeeded", "payment.failed") or not reference:
        raise ValidationFailed(
            errors={"event": ["Expected id, type payment.succeeded|payment.failed and data.reference."]}
        )
    seen = db.session.scalar(
        select(WebhookEvent).where(WebhookEvent.provider == provider_name, WebhookEvent.event_id == event_id)
    )
    if seen is not None:
        return False
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.provider == provider_name, Payment.provider_reference == reference)
        .with_for_update()
    )
    if payment is None:
        raise NotFound("No payment with this reference.")
    db.session.add(WebhookEvent(provider=provider_name, event_id=event_id))
    if payment.status == "pending":
        payment.status = "succeeded" if kind == "payment.succeeded" else "failed"
        if kind == "payment.failed":
            payment.failure_reason = str((event.get("data") or {}).get("reason") or "Declined by the provider.")
        _apply_payment_result(payment.order, payment)
    return True


def expire_unpaid(now=None) -> list[Order]:
    """Cancel and restock card orders left unpaid past ORDER_PAYMENT_TIMEOUT_MINUTES."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=current_app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"])
    stale = db.session.scalars(
        select(Order)
        .where(
            Order.status == OrderStatus.PENDING,
            Order.payment_method.in_(CARD_METHODS),
            Order.payment_status != PaymentStatus.PAID,
            Order.created_at < cutoff,
        )
        .order_by(Order.created_at)
        .with_for_update(skip_locked=True)
    ).all()
    for order in stale:
        cancel_order(order, None, by_staff=True, note="Payment not received in time.")
    return list(stale)


def notify_status(order: Order, status: OrderStatus, note: str = "") -> None:
    """Queue the customer email for a status change (sent after commit by the caller)."""
    queue_order_email(order, status.value, note)


def queue_order_email(order: Order, event: str, note: str = "") -> None:
    """`event` is "placed" (order confirmation) or a status value."""
    db.session.info.setdefault("kastoma_order_emails", []).append((order.id, event, note))


def commit_and_notify() -> None:
    """Commit the unit of work, then send the customer emails it queued (never before the commit)."""
    commit_keeping_loaded_state()
    send_pending_emails()


def send_pending_emails() -> None:
    """Send the emails queued by notify_status; call after a successful commit."""
    for order_id, status, note in db.session.info.pop("kastoma_order_emails", []):
        order = db.session.get(Order, order_id)
        if order is None:
            continue
        template = "order_confirmation" if status == "placed" else "order_status"
        try:
            send_templated_email(template, order.email, {"order": order, "status": status, "note": note})
        except Exception:
            log.exception("order email failed", extra={"order": order.order_number})
