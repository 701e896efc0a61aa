"""Schemas of the staff reports."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from kastoma.fields import Money


class AnalyticsQuerySchema(ma.Schema):
    start = ma.fields.Date(data_key="from", metadata={"description": "First day (default: 29 days before `to`)."})
    end = ma.fields.Date(data_key="to", metadata={"description": "Last day, inclusive (default: today, UTC)."})

    @ma.validates_schema
    def sane_range(self, data: dict, **kwargs: object) -> None:
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise ma.ValidationError("`to` must not be before `from`.", "to")
            if (data["end"] - data["start"]).days > 366:
                raise ma.ValidationError("At most 366 days per report.", "from")


class DailySalesSchema(ma.Schema):
    date = ma.fields.Date()
    orders = ma.fields.Integer()
    revenue = Money()
    average_order_value = Money()


class TopProductSchema(ma.Schema):
    product_id = ma.fields.UUID()
    name = ma.fields.String()
    units = ma.fields.Integer()
    revenue = Money()


class LowStockEntrySchema(ma.Schema):
    product_id = ma.fields.UUID()
    name = ma.fields.String()
    sku = ma.fields.String()
    stock = ma.fields.Integer()
    threshold = ma.fields.Integer()


class SalesReportSchema(ma.Schema):
    start = ma.fields.Date(data_key="from")
    end = ma.fields.Date(data_key="to")
    orders = ma.fields.Integer()
    revenue = Money()
    average_order_value = Money()
    days = ma.fields.List(ma.fields.Nested(DailySalesSchema))
    orders_by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    top_products = ma.fields.List(ma.fields.Nested(TopProductSchema))
    low_stock = ma.fields.List(ma.fields.Nested(LowStockEntrySchema))


# --- Staff statistics (`*/stats/`) --------------------------------------------------------------


def _count(description: str) -> ma.fields.Integer:
    return ma.fields.Integer(required=True, metadata={"description": description})


def _share(description: str) -> ma.fields.Float:
    """A fraction from 0 to 1 (a JSON number, like a product's average rating)."""
    return ma.fields.Float(required=True, metadata={"description": description, "minimum": 0, "maximum": 1})


class CategoryCountSchema(ma.Schema):
    category_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    slug = ma.fields.String(required=True)
    products = _count("Active products in the category (for a root: in its whole subtree).")


class ProductStatsSchema(ma.Schema):
    active = _count("Active products.")
    inactive = _count("Deactivated products.")
    featured = _count("Active featured products.")
    out_of_stock = _count("Active products with no stock at all (variants included).")
    low_stock = _count("Active products at or below their low-stock threshold (any variant).")
    stock_units = _count("Units in stock over active products and variants.")
    stock_value_at_price = Money(required=True, metadata={"description": "Units in stock at their selling price."})
    stock_value_at_cost = Money(required=True, metadata={"description": "Units in stock at cost (products with one)."})
    average_rating = ma.fields.Float(required=True, allow_none=True, metadata={"description": "Of rated products."})
    by_root_category = ma.fields.List(ma.fields.Nested(CategoryCountSchema), required=True)


class CategoryStatsSchema(ma.Schema):
    categories = _count("Every category, active or not.")
    roots = _count("Categories without a parent.")
    active = _count("Active categories.")
    empty = _count("Categories with neither products nor children.")
    max_depth = _count("Levels of the deepest branch (a root alone is 1).")
    top_by_products = ma.fields.List(
        ma.fields.Nested(CategoryCountSchema), required=True, metadata={"description": "The 10 with most products."}
    )


class DailySignUpsSchema(ma.Schema):
    date = ma.fields.Date(required=True)
    sign_ups = ma.fields.Integer(required=True)


class UserStatsSchema(ma.Schema):
    total = _count("Accounts.")
    active = _count("Active accounts.")
    inactive = _count("Deactivated accounts.")
    by_role = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    sign_ups_by_day = ma.fields.List(
        ma.fields.Nested(DailySignUpsSchema), required=True, metadata={"description": "The last 30 days, UTC."}
    )


class ProfileStatsSchema(ma.Schema):
    profiles = _count("Profiles (one per account).")
    with_avatar = _count("Profiles with an avatar.")
    newsletter_subscribed = _count("Profiles subscribed to the newsletter.")
    newsletter_share = _share("newsletter_subscribed / profiles.")
    marketing_emails = _count("Profiles accepting marketing e-mails.")
    complete = _count("Profiles with phone, street, city, postal code and country.")
    complete_share = _share("complete / profiles.")


class StatusTotalSchema(ma.Schema):
    orders = ma.fields.Integer(required=True)
    total = Money(required=True)


class DailyOrdersSchema(ma.Schema):
    date = ma.fields.Date(required=True)
    orders = ma.fields.Integer(required=True)
    revenue = Money(required=True, metadata={"description": "Of the day's orders not cancelled or refunded."})


class OrderStatsSchema(ma.Schema):
    orders = _count("Every order.")
    revenue = Money(required=True, metadata={"description": "Total of the orders not cancelled or refunded."})
    average_order_value = Money(required=True)
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(StatusTotalSchema), required=True)
    by_payment_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    paid = _count("Orders paid (or partly refunded).")
    unpaid = _count("Orders whose payment is pending or failed.")
    refunded_amount = Money(required=True, metadata={"description": "Money given back, over every payment."})
    by_day = ma.fields.List(
        ma.fields.Nested(DailyOrdersSchema), required=True, metadata={"description": "The last 30 days, UTC."}
    )


class CartStatsQuerySchema(ma.Schema):
    abandoned_after_hours = ma.fields.Integer(
        load_default=24,
        validate=validate.Range(min=1, max=24 * 90),
        metadata={"description": "A cart untouched this long is abandoned."},
    )


class CartStatsSchema(ma.Schema):
    carts = _count("Open carts.")
    user_carts = _count("Carts of signed-in customers.")
    guest_carts = _count("Guest carts (X-Cart-Token).")
    with_items = _count("Carts holding at least one line.")
    empty = _count("Carts without lines.")
    units = _count("Units in carts.")
    value = Money(required=True, metadata={"description": "Of every cart's lines, at today's prices."})
    average_items_per_cart = ma.fields.Float(required=True, metadata={"description": "Units per cart with items."})
    average_value = Money(required=True, metadata={"description": "Per cart with items."})
    abandoned_after_hours = ma.fields.Integer(required=True)
    abandoned = _count("Carts with items untouched for abandoned_after_hours.")
    abandoned_value = Money(required=True)


# --- API statistics -------------------------------------------------------------------------------


class EndpointStatsSchema(ma.Schema):
    method = ma.fields.String(required=True)
    endpoint = ma.fields.String(required=True, metadata={"description": "The route template, e.g. /api/v1/orders/."})
    requests = ma.fields.Integer(required=True)
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    average_ms = ma.fields.Float(required=True, allow_none=True)
    p95_ms = ma.fields.Float(
        required=True, allow_none=True, metadata={"description": "Estimated from the latency histogram's buckets."}
    )


class ApiStatsSchema(ma.Schema):
    requests = ma.fields.Integer(required=True, metadata={"description": "Since the processes started."})
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    endpoints = ma.fields.List(ma.fields.Nested(EndpointStatsSchema), required=True)
