"""Checkout: turn a cart (or an explicit item list) into an order in ONE transaction.

Stock rows are locked in a fixed order (so overlapping checkouts never deadlock), checked and
decremented; names, SKUs and prices are snapshotted; the coupon is redeemed under its row lock;
stock movements, coupon usage and the first status entry are written; the cart is emptied.
Nothing is committed here: any error leaves nothing behind once the caller rolls back.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from kastoma.errors import CartEmpty, InsufficientStock, ValidationFailed
from kastoma.extensions import db
from kastoma.orders import purchasable
from kastoma.orders.cart import check_line_count, check_line_quantity, find_cart, shipping_method_of
from kastoma.orders.coupons import check_coupon, find_coupon, redeem
from kastoma.orders.enums import OrderStatus, PaymentStatus
from kastoma.orders.models import Cart, Order, OrderItem
from kastoma.orders.notifications import PLACED, notify
from kastoma.orders.pricing import PricedLine, price_line, subtotal, totals
from kastoma.orders.state import record_initial_status
from kastoma.users.addresses import get_address
from kastoma.users.models import User

# Crockford's base32 without look-alikes: order numbers are read out over the phone.
ORDER_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "line1",
    "line2",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
)


def generate_order_number(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    suffix = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(6))
    return f"KAS-{now:%Y%m%d}-{suffix}"


@dataclass(frozen=True)
class RequestedLine:
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    quantity: int


def _requested_lines(data: dict[str, Any], cart: Cart | None) -> list[RequestedLine]:
    if data.get("items"):
        merged: dict[tuple, int] = {}
        for item in data["items"]:
            key = (item["product_id"], item.get("variant_id"))
            merged[key] = merged.get(key, 0) + item["quantity"]
        lines = [RequestedLine(p, v, q) for (p, v), q in merged.items()]
    else:
        lines = [RequestedLine(i.product_id, i.variant_id, i.quantity) for i in (cart.items if cart else [])]
    if not lines:
        raise CartEmpty(errors={"items": ["Add something to the cart first."]})
    # The cart's limits, whether the lines come from the cart or from `items` (buy now).
    check_line_count(len(lines), field="items")
    for line in lines:
        check_line_quantity(line.quantity, field="items")
    return lines


def _address(user: User, data: dict[str, Any], kind: str) -> dict[str, str] | None:
    if data.get(f"{kind}_address_id"):
        saved = get_address(user, data[f"{kind}_address_id"])
        return {field: getattr(saved, field) or "" for field in ADDRESS_FIELDS}
    if data.get(f"{kind}_address"):
        return {field: data[f"{kind}_address"].get(field, "") or "" for field in ADDRESS_FIELDS}
    return None


def build_order(user: User, data: dict[str, Any], cart: Cart | None) -> Order:
    """Create the order described by `data` (validated by CheckoutSchema). Does not commit."""
    lines = _requested_lines(data, cart)
    shipping = _address(user, data, "shipping")
    if shipping is None:
        raise ValidationFailed(errors={"shipping_address": ["A shipping address (or a saved address id) is required."]})
    billing = _address(user, data, "billing") or shipping

    # Lock every stock row first, always in the same order, then check and price.
    locked = purchasable.lock_for_sale([(line.product_id, line.variant_id) for line in lines])
    priced: list[PricedLine] = []
    shortages = []
    for line in lines:
        product, variant = locked[(line.product_id, line.variant_id)]
        available = purchasable.available(product, variant)
        if line.quantity > available:
            shortages.append(
                {
                    "product_id": str(line.product_id),
                    "variant_id": str(line.variant_id) if line.variant_id else None,
                    "requested": line.quantity,
                    "available": available,
                }
            )
        priced.append(price_line(product, variant, line.quantity))
    if shortages:
        first = shortages[0]
        raise InsufficientStock(
            f"Only {first['available']} left of an item in your order.",
            errors={"requested": first["requested"], "available": first["available"], "items": shortages},
        )

    code = data.get("coupon_code") or (cart.coupon.code if cart is not None and cart.coupon else None)
    coupon = discount = None
    if code:
        coupon = find_coupon(code, lock=True)
        discount = check_coupon(coupon, subtotal(priced), user)  # an invalid code is an error, never ignored
    method = data.get("shipping_method") or shipping_method_of(cart)
    charged = totals(priced, method, discount)

    order = Order(
        user_id=user.id,
        email=(data.get("email") or user.email).lower(),
        status=OrderStatus.PENDING,
        payment_status=PaymentStatus.PENDING,
        payment_method=data["payment_method"],
        shipping_method=method,
        currency=charged.currency,
        subtotal=charged.subtotal,
        discount_amount=charged.discount,
        shipping_cost=charged.shipping,
        tax_amount=charged.tax,
        total=charged.total,
        coupon_id=coupon.id if coupon else None,
        coupon_code=coupon.code if coupon else "",
        shipping_address=shipping,
        billing_address=billing,
        customer_notes=data.get("notes", ""),
        # Start the collections empty, so reading them back (emails, the response) costs no query.
        history=[],
        payments=[],
    )
    for position, line in enumerate(priced):
        product, variant = line.product, line.variant
        order.items.append(
            OrderItem(
                position=position,
                product_id=product.id,
                variant_id=variant.id if variant else None,
                product_name=product.name,
                variant_name=variant.name if variant else "",
                sku=variant.sku if variant else product.sku,
                unit_price=line.unit_price,
                quantity=line.quantity,
                line_total=line.line_total,
                attributes=purchasable.snapshot_attributes(product, variant),
            )
        )
    _insert(order)

    purchasable.sell([(line.product, line.variant, line.quantity) for line in priced], order=order, actor=user)
    if coupon is not None:
        redeem(coupon, order, user, charged.discount)
    record_initial_status(order, actor=user)
    if cart is not None and not data.get("items"):
        cart.items.clear()
        cart.coupon_id = None
    return order


ORDER_NUMBER_ATTEMPTS = 5


class OrderNumberTaken(Exception):
    """The order's random number was taken by another order: the transaction is lost, and
    `place` places the order again under a new number."""


def place(user: User, data: dict[str, Any]) -> Order:
    """Place the order of `data`: its `items`, or else the user's cart; the confirmation is
    mailed once it commits. Run again from the start (the transaction rolled back, the cart read
    again) in the rare case that the random order number was already taken. Does not commit."""
    for _ in range(ORDER_NUMBER_ATTEMPTS):
        cart = None if data.get("items") else find_cart(user, None)
        try:
            order = build_order(user, data, cart)
        except OrderNumberTaken:
            db.session.rollback()
            continue
        notify(order, PLACED)
        return order
    raise RuntimeError("could not allocate a unique order number")


def _insert(order: Order) -> None:
    """Flush the order (and its lines) under a fresh random number.

    A number is taken with a chance of (orders so far that day) in 32^6 ~ 10^9: too rare to
    guard every order with a savepoint (two more round trips each). The unique constraint
    refuses it, and `place` starts over."""
    order.order_number = generate_order_number()
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError as exc:
        if "order_number" in str(exc.orig):
            raise OrderNumberTaken(order.order_number) from exc
        raise
