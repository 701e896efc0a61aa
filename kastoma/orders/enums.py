"""The statuses of orders and of their payments (values are stored and sent as they are)."""

from __future__ import annotations

import enum


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class PaymentStatus(enum.StrEnum):
    """Where the order's money stands (`Order.payment_status`)."""

    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class ChargeStatus(enum.StrEnum):
    """One attempt to take the money (`Payment.status`): an order may have several.

    `succeeded` charges make the order `paid`; a charge still `pending` when the order is
    cancelled is `cancelled` (voided at the provider); a captured charge given back is `refunded`.
    """

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
