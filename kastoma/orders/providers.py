"""Payment providers behind one declared interface, and the signatures of their webhooks.

`manual` covers cash on delivery and bank transfer (staff mark the order paid); `dummy` is a
test card gateway: `tok_visa` succeeds, `tok_chargeDeclined` fails, `tok_processing` completes
later through a webhook. Webhooks are signed with HMAC-SHA256 over "<timestamp>.<body>".
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Protocol

from flask import current_app

from kastoma.errors import NotAuthenticated, NotFound, ValidationFailed
from kastoma.orders.enums import ChargeStatus

SIGNATURE_HEADER = "Kastoma-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class ChargeResult:
    status: ChargeStatus  # succeeded, failed, or pending (completed later by a webhook)
    reference: str
    failure_reason: str = ""


class PaymentProvider(Protocol):
    """What a payment provider does for Kastoma; registered by `name` in PROVIDERS."""

    name: str

    def charge(self, amount: Decimal, currency: str, token: str) -> ChargeResult:
        """Take `amount`; a pending result is settled later by a signed webhook."""

    def void(self, reference: str) -> None:
        """Cancel a charge that is still pending, so that it is never captured."""

    def refund(self, reference: str, amount: Decimal) -> None:
        """Give back `amount` of a captured charge (all of it or part)."""


class ManualProvider:
    """Cash on delivery and bank transfer: nothing is charged online; staff confirm receipt
    and pay refunds out by hand (the refund is recorded for the books)."""

    name = "manual"

    def charge(self, amount: Decimal, currency: str, token: str) -> ChargeResult:
        return ChargeResult(ChargeStatus.PENDING, f"man_{secrets.token_hex(8)}")

    def void(self, reference: str) -> None:
        """Nothing was taken."""

    def refund(self, reference: str, amount: Decimal) -> None:
        """Paid back outside the system."""


class DummyCardProvider:
    """A deterministic test gateway, for development and tests. It remembers what it was asked
    to void and refund (per process), as a real gateway's dashboard would show."""

    name = "dummy"
    TOKENS: ClassVar[dict[str, ChargeResult]] = {
        "tok_visa": ChargeResult(ChargeStatus.SUCCEEDED, ""),
        "tok_mastercard": ChargeResult(ChargeStatus.SUCCEEDED, ""),
        "tok_chargeDeclined": ChargeResult(ChargeStatus.FAILED, "", "Your card was declined."),
        "tok_processing": ChargeResult(ChargeStatus.PENDING, ""),
    }

    def __init__(self) -> None:
        self.voided: list[str] = []
        self.refunds: list[tuple[str, Decimal]] = []

    def charge(self, amount: Decimal, currency: str, token: str) -> ChargeResult:
        outcome = self.TOKENS.get(token)
        if outcome is None:
            raise ValidationFailed(errors={"token": ["Unknown test card token (try tok_visa)."]})
        return ChargeResult(outcome.status, f"dum_{secrets.token_hex(12)}", outcome.failure_reason)

    def void(self, reference: str) -> None:
        self.voided.append(reference)

    def refund(self, reference: str, amount: Decimal) -> None:
        self.refunds.append((reference, amount))


PROVIDERS: dict[str, PaymentProvider] = {p.name: p for p in (ManualProvider(), DummyCardProvider())}
# Which provider may take which payment method.
METHOD_PROVIDERS = {
    "credit_card": {"dummy"},
    "paypal": {"dummy"},
    "bank_transfer": {"manual"},
    "cash_on_delivery": {"manual"},
}
# Methods paid online through a gateway (never marked paid by staff).
ONLINE_METHODS = frozenset(method for method, names in METHOD_PROVIDERS.items() if "manual" not in names)


def get_provider(name: str) -> PaymentProvider:
    try:
        return PROVIDERS[name]
    except KeyError as exc:
        raise NotFound(f"Unknown payment provider {name!r}.") from exc


def sign(body: bytes, timestamp: int | None = None, secret: str | None = None) -> str:
    """The signature header value for `body` (used by providers, and by tests)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    secret = secret or current_app.config["PAYMENT_WEBHOOK_SECRET"]
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class InvalidSignature(NotAuthenticated):
    code = "invalid_signature"
    message = "The webhook signature is missing, wrong or stale."


def verify_signature(header: str | None, body: bytes) -> None:
    """Raise InvalidSignature unless `header` signs `body` with our secret, recently."""
    try:
        parts = dict(item.split("=", 1) for item in (header or "").split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError) as exc:
        raise InvalidSignature() from exc
    if abs(time.time() - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidSignature()
    expected = sign(body, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise InvalidSignature()
