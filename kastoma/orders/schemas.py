"""Schemas of the cart, checkout, order, coupon and payment endpoints."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from kastoma.auth import current_user
from kastoma.fields import AwareUTCDateTime, Money, UTCDateTime, http_url
from kastoma.orders.enums import OrderStatus, PaymentStatus
from kastoma.orders.providers import METHOD_PROVIDERS
from kastoma.orders.totals import DiscountType, ShippingMethod
from kastoma.schemas import StrictSchema
from kastoma.users.schemas import PostalAddressSchema

MAX_AMOUNT = Decimal("1000000")
AMOUNT = {"pattern": r"^(1000000(\.0{1,2})?|[0-9]{1,6}(\.[0-9]{1,2})?)$"}  # 0 to MAX_AMOUNT


def positive_amount(value: Decimal) -> None:
    if not 0 < value <= MAX_AMOUNT:
        raise ma.ValidationError(f"Must be more than 0 and at most {MAX_AMOUNT}.")


def amount(value: Decimal) -> None:
    if not 0 <= value <= MAX_AMOUNT:
        raise ma.ValidationError(f"Must be between 0 and {MAX_AMOUNT}.")


QUANTITY = validate.Range(min=1, max=10_000)


# --- Cart -------------------------------------------------------------------------------------


class TotalsSchema(ma.Schema):
    subtotal = Money(dump_only=True)
    discount = Money(dump_only=True)
    shipping = Money(dump_only=True)
    tax = Money(dump_only=True)
    total = Money(dump_only=True)
    currency = ma.fields.String(dump_only=True)


class CartProductSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    slug = ma.fields.String()
    sku = ma.fields.String()


class CartVariantSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    sku = ma.fields.String()


class CartLineSchema(ma.Schema):
    id = ma.fields.UUID(attribute="item.id")
    product = ma.fields.Nested(CartProductSchema)
    variant = ma.fields.Nested(CartVariantSchema, allow_none=True)
    quantity = ma.fields.Integer()
    unit_price = Money()
    line_total = Money()
    available_stock = ma.fields.Integer()


class CartSchema(ma.Schema):
    id = ma.fields.Function(lambda v: str(v.cart.id) if v.cart is not None else None, allow_none=True)
    shipping_method = ma.fields.Function(
        lambda v: v.cart.shipping_method.value if v.cart is not None and v.cart.shipping_method else None,
        allow_none=True,
        metadata={"description": "The cart's own choice for the estimate, if any."},
    )
    items = ma.fields.List(ma.fields.Nested(CartLineSchema), attribute="lines")
    item_count = ma.fields.Integer()
    coupon_code = ma.fields.String(allow_none=True)
    coupon_error = ma.fields.String(allow_none=True)
    totals = ma.fields.Nested(TotalsSchema)


class CartQuerySchema(ma.Schema):
    shipping_method = ma.fields.Enum(
        ShippingMethod,
        by_value=True,
        metadata={"description": "For the estimate; default: the cart's own choice (PUT cart/<id>/), else standard."},
    )


class CartFieldsSchema(StrictSchema):
    """What a cart keeps besides its lines (PUT sets both, left out: none; PATCH what is sent)."""

    coupon_code = ma.fields.String(
        allow_none=True, validate=validate.Length(min=1, max=50), metadata={"description": "Null removes the coupon."}
    )
    shipping_method = ma.fields.Enum(
        ShippingMethod, by_value=True, allow_none=True, metadata={"description": "For the estimate (null: standard)."}
    )


class CartFieldsReplaceSchema(CartFieldsSchema):
    coupon_code = ma.fields.String(allow_none=True, load_default=None, validate=validate.Length(min=1, max=50))
    shipping_method = ma.fields.Enum(ShippingMethod, by_value=True, allow_none=True, load_default=None)


class AddItemSchema(StrictSchema):
    product_id = ma.fields.UUID(required=True)
    variant_id = ma.fields.UUID(allow_none=True, load_default=None)
    quantity = ma.fields.Integer(load_default=1, validate=QUANTITY)


class UpdateItemSchema(StrictSchema):
    item_id = ma.fields.UUID()
    product_id = ma.fields.UUID()
    variant_id = ma.fields.UUID(allow_none=True, load_default=None)
    quantity = ma.fields.Integer(required=True, validate=validate.Range(min=-10_000, max=10_000))

    @ma.validates_schema
    def target_given(self, data: dict, **kwargs: object) -> None:
        if not data.get("item_id") and not data.get("product_id"):
            raise ma.ValidationError("Give item_id, or product_id (and variant_id).", "item_id")


class RemoveItemSchema(StrictSchema):
    item_id = ma.fields.UUID()
    product_id = ma.fields.UUID()
    variant_id = ma.fields.UUID(allow_none=True, load_default=None)

    @ma.validates_schema
    def target_given(self, data: dict, **kwargs: object) -> None:
        if not data.get("item_id") and not data.get("product_id"):
            raise ma.ValidationError("Give item_id, or product_id (and variant_id).", "item_id")


class CouponCodeSchema(StrictSchema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=50))


class CouponCheckSchema(ma.Schema):
    valid = ma.fields.Boolean(required=True)
    code = ma.fields.String(required=True)
    discount = Money(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    totals = ma.fields.Nested(TotalsSchema, allow_none=True)


# --- Checkout ---------------------------------------------------------------------------------


class OrderLineInputSchema(StrictSchema):
    product_id = ma.fields.UUID(required=True)
    variant_id = ma.fields.UUID(allow_none=True, load_default=None)
    quantity = ma.fields.Integer(
        required=True,
        validate=QUANTITY,
        metadata={
            "description": "Lines of the same product (and variant) are added up; the sum obeys the cart's cap "
            "(CART_MAX_LINE_QUANTITY, 99 by default), and an order holds at most CART_MAX_LINES (50) products."
        },
    )


class CheckoutSchema(StrictSchema):
    email = ma.fields.Email(validate=validate.Length(max=254))
    items = ma.fields.List(ma.fields.Nested(OrderLineInputSchema), validate=validate.Length(min=1, max=100))
    shipping_address = ma.fields.Nested(PostalAddressSchema)
    billing_address = ma.fields.Nested(PostalAddressSchema)
    shipping_address_id = ma.fields.UUID()
    billing_address_id = ma.fields.UUID()
    shipping_method = ma.fields.Enum(
        ShippingMethod, by_value=True, metadata={"description": "Default: the cart's own choice, else standard."}
    )
    payment_method = ma.fields.String(required=True, validate=validate.OneOf(sorted(METHOD_PROVIDERS)))
    coupon_code = ma.fields.String(validate=validate.Length(max=50))
    notes = ma.fields.String(load_default="", validate=validate.Length(max=2000))


# --- Orders -----------------------------------------------------------------------------------


class OrderItemSchema(ma.Schema):
    id = ma.fields.UUID()
    product_id = ma.fields.UUID()
    variant_id = ma.fields.UUID(allow_none=True)
    product_name = ma.fields.String()
    variant_name = ma.fields.String()
    sku = ma.fields.String()
    unit_price = Money()
    quantity = ma.fields.Integer()
    line_total = Money()
    attributes = ma.fields.Dict()


class StatusHistorySchema(ma.Schema):
    from_status = ma.fields.Enum(OrderStatus, by_value=True, allow_none=True)
    to_status = ma.fields.Enum(OrderStatus, by_value=True)
    note = ma.fields.String()
    created_at = ma.fields.DateTime()
    actor = ma.fields.Function(
        lambda h: h.actor.username if h.actor else None, allow_none=True, metadata={"description": "Staff only."}
    )


class PaymentSchema(ma.Schema):
    id = ma.fields.UUID()
    provider = ma.fields.String()
    amount = Money()
    currency = ma.fields.String()
    status = ma.fields.String()
    provider_reference = ma.fields.String()
    failure_reason = ma.fields.String()
    refunded_amount = Money()
    created_at = ma.fields.DateTime()


class OrderSchema(ma.Schema):
    """An order. `user_id`, `internal_notes` and history actors are shown to staff only."""

    STAFF_ONLY = ("user_id", "internal_notes")

    id = ma.fields.UUID()
    order_number = ma.fields.String()
    email = ma.fields.String()
    status = ma.fields.Enum(OrderStatus, by_value=True)
    payment_status = ma.fields.Enum(PaymentStatus, by_value=True)
    payment_method = ma.fields.String()
    shipping_method = ma.fields.Enum(ShippingMethod, by_value=True)
    currency = ma.fields.String()
    subtotal = Money()
    discount_amount = Money()
    shipping_cost = Money()
    tax_amount = Money()
    total = Money()
    coupon_code = ma.fields.String()
    shipping_address = ma.fields.Nested(PostalAddressSchema)
    billing_address = ma.fields.Nested(PostalAddressSchema)
    customer_notes = ma.fields.String()
    tracking_number = ma.fields.String()
    carrier = ma.fields.String()
    tracking_url = ma.fields.String()
    estimated_delivery = ma.fields.Date(allow_none=True)
    items = ma.fields.List(ma.fields.Nested(OrderItemSchema))
    history = ma.fields.List(ma.fields.Nested(StatusHistorySchema))
    payments = ma.fields.List(ma.fields.Nested(PaymentSchema))
    created_at = ma.fields.DateTime()
    confirmed_at = ma.fields.DateTime(allow_none=True)
    shipped_at = ma.fields.DateTime(allow_none=True)
    delivered_at = ma.fields.DateTime(allow_none=True)
    cancelled_at = ma.fields.DateTime(allow_none=True)
    paid_at = ma.fields.DateTime(allow_none=True)
    user_id = ma.fields.UUID(allow_none=True, metadata={"description": "Staff only."})
    internal_notes = ma.fields.String(metadata={"description": "Staff only."})

    @ma.post_dump
    def hide_staff_fields(self, data: dict, **kwargs: object) -> dict:
        viewer = current_user()
        if viewer is None or not viewer.is_staff:
            for field in self.STAFF_ONLY:
                data.pop(field, None)
            for entry in data.get("history") or []:
                entry.pop("actor", None)
        return data


class OrderListQuerySchema(ma.Schema):
    status = ma.fields.Enum(OrderStatus, by_value=True)
    payment_status = ma.fields.Enum(PaymentStatus, by_value=True)
    email = ma.fields.String(validate=validate.Length(max=254))
    search = ma.fields.String(validate=validate.Length(max=50))
    created_after = UTCDateTime()
    created_before = UTCDateTime()


class StatusUpdateSchema(StrictSchema):
    status = ma.fields.Enum(OrderStatus, by_value=True, required=True)
    note = ma.fields.String(load_default="", validate=validate.Length(max=1000))


class CancelSchema(StrictSchema):
    note = ma.fields.String(load_default="", validate=validate.Length(max=1000))


class TrackingSchema(StrictSchema):
    tracking_number = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    carrier = ma.fields.String(load_default="", validate=validate.Length(max=100))
    tracking_url = http_url(blank=True, load_default="")
    estimated_delivery = ma.fields.Date(allow_none=True, load_default=None)


class StaffOrderUpdateSchema(StrictSchema):
    internal_notes = ma.fields.String(validate=validate.Length(max=5000))
    tracking_number = ma.fields.String(validate=validate.Length(max=100))
    carrier = ma.fields.String(validate=validate.Length(max=100))
    tracking_url = http_url(blank=True)
    estimated_delivery = ma.fields.Date(allow_none=True)


class StaffOrderReplaceSchema(StaffOrderUpdateSchema):
    """PUT: every field staff edit; the ones left out are emptied."""

    internal_notes = ma.fields.String(load_default="", validate=validate.Length(max=5000))
    tracking_number = ma.fields.String(load_default="", validate=validate.Length(max=100))
    carrier = ma.fields.String(load_default="", validate=validate.Length(max=100))
    tracking_url = http_url(blank=True, load_default="")
    estimated_delivery = ma.fields.Date(allow_none=True, load_default=None)


class PaySchema(StrictSchema):
    provider = ma.fields.String(required=True, validate=validate.OneOf(["manual", "dummy"]))
    token = ma.fields.String(load_default="", validate=validate.Length(max=100))


class MarkPaidSchema(StrictSchema):
    note = ma.fields.String(load_default="", validate=validate.Length(max=1000))


class WebhookAckSchema(ma.Schema):
    received = ma.fields.Boolean(required=True)
    duplicate = ma.fields.Boolean(required=True)


# --- Coupons ----------------------------------------------------------------------------------


class CouponSchema(StrictSchema):
    id = ma.fields.UUID(dump_only=True)
    code = ma.fields.String(
        required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{3,50}$", error="3-50 letters, digits, - or _.")
    )
    description = ma.fields.String(load_default="", validate=validate.Length(max=255))
    discount_type = ma.fields.Enum(DiscountType, by_value=True, required=True)
    value = Money(required=True, validate=positive_amount, metadata=AMOUNT)
    min_order_amount = Money(load_default=Decimal("0.00"), validate=amount, metadata=AMOUNT)
    max_discount = Money(allow_none=True, load_default=None, validate=positive_amount, metadata=AMOUNT)
    usage_limit = ma.fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1))
    per_user_limit = ma.fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1))
    times_used = ma.fields.Integer(dump_only=True)
    valid_from = AwareUTCDateTime(allow_none=True, load_default=None)
    valid_until = AwareUTCDateTime(allow_none=True, load_default=None)
    is_active = ma.fields.Boolean(load_default=True)
    created_at = ma.fields.DateTime(dump_only=True)


class CouponQuerySchema(ma.Schema):
    is_active = ma.fields.Boolean()
    search = ma.fields.String(validate=validate.Length(max=50))
