"""Schemas of the staff reports."""

from __future__ import annotations

import marshmallow as ma

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
