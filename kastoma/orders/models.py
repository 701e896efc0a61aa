"""Carts, coupons, orders (with item snapshots and status history), payments, idempotency keys."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kastoma.extensions import db
from kastoma.models import Timestamped, UUIDPrimaryKey, str_enum, utcnow
from kastoma.orders.enums import OrderStatus, PaymentStatus
from kastoma.orders.totals import DiscountType, ShippingMethod

Money = Numeric(12, 2)


class Cart(UUIDPrimaryKey, Timestamped, db.Model):
    """A user's cart (one per user) or a guest cart found by the hash of its X-Cart-Token."""

    __tablename__ = "carts"

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    coupon_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coupons.id", ondelete="SET NULL"))
    # The method the totals estimate uses when the request names none (set with PUT/PATCH cart/<id>/).
    shipping_method: Mapped[ShippingMethod | None] = mapped_column(str_enum(ShippingMethod, "shipping_method"))

    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartItem.created_at"
    )
    coupon: Mapped[Coupon | None] = relationship()


class CartItem(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("cart_id", "product_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    cart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    variant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"))
    quantity: Mapped[int]

    cart: Mapped[Cart] = relationship(back_populates="items")


class Coupon(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "coupons"
    __table_args__ = (
        CheckConstraint("value > 0", name="value_positive"),
        CheckConstraint("times_used >= 0", name="times_used_non_negative"),
    )

    code: Mapped[str] = mapped_column(String(50), unique=True)  # stored upper-case
    description: Mapped[str] = mapped_column(String(255), default="")
    discount_type: Mapped[DiscountType] = mapped_column(str_enum(DiscountType, "discount_type"))
    value: Mapped[Decimal] = mapped_column(Money)
    min_order_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    max_discount: Mapped[Decimal | None] = mapped_column(Money)
    usage_limit: Mapped[int | None]
    per_user_limit: Mapped[int | None]
    times_used: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)


class CouponUsage(UUIDPrimaryKey, db.Model):
    __tablename__ = "coupon_usages"

    coupon_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    discount_amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Order(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total >= 0", name="total_non_negative"),
        Index("ix_orders_user_id_created_at", "user_id", "created_at"),
        Index("ix_orders_status_created_at", "status", "created_at"),
    )

    order_number: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "order_status"), default=OrderStatus.PENDING)
    payment_status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING
    )
    payment_method: Mapped[str] = mapped_column(String(30))
    shipping_method: Mapped[ShippingMethod] = mapped_column(str_enum(ShippingMethod, "shipping_method"))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    discount_amount: Mapped[Decimal] = mapped_column(Money)
    shipping_cost: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    coupon_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coupons.id", ondelete="SET NULL"))
    coupon_code: Mapped[str] = mapped_column(String(50), default="")
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    customer_notes: Mapped[str] = mapped_column(Text, default="")
    internal_notes: Mapped[str] = mapped_column(Text, default="")
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    carrier: Mapped[str] = mapped_column(String(100), default="")
    tracking_url: Mapped[str] = mapped_column(String(500), default="")
    estimated_delivery: Mapped[date | None]
    confirmed_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.position"
    )
    history: Mapped[list[OrderStatusHistory]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderStatusHistory.created_at"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.created_at")

    @property
    def customer_name(self) -> str:
        return " ".join(filter(None, (self.shipping_address.get("first_name"), self.shipping_address.get("last_name"))))


class OrderItem(UUIDPrimaryKey, db.Model):
    """A snapshot of what was bought: later catalogue edits never change a past order."""

    __tablename__ = "order_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    variant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("product_variants.id", ondelete="RESTRICT"))
    product_name: Mapped[str] = mapped_column(String(255))
    variant_name: Mapped[str] = mapped_column(String(255), default="")
    sku: Mapped[str] = mapped_column(String(100))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[int]
    line_total: Mapped[Decimal] = mapped_column(Money)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    order: Mapped[Order] = relationship(back_populates="items")


class OrderStatusHistory(UUIDPrimaryKey, db.Model):
    __tablename__ = "order_status_history"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(str_enum(OrderStatus, "order_status"))
    to_status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "order_status"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="history")
    actor = relationship("User")


class Payment(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "payments"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))  # pending, succeeded, failed, refunded
    provider_reference: Mapped[str] = mapped_column(String(100), index=True, default="")
    failure_reason: Mapped[str] = mapped_column(String(255), default="")
    refunded_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))

    order: Mapped[Order] = relationship(back_populates="payments")


class WebhookEvent(UUIDPrimaryKey, db.Model):
    """Processed provider events: a redelivered event is acknowledged and ignored."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    provider: Mapped[str] = mapped_column(String(30))
    event_id: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(UUIDPrimaryKey, db.Model):
    """A client's Idempotency-Key for one endpoint: in flight, then the stored response."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "scope", "key"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(100))  # method + endpoint
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
