"""Query-string schemas of the catalogue reads: filters, orderings and pagination.

Every bad value is a 400 with the field named; nothing malformed reaches a query.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from kastoma.fields import MAX_PRICE, price_in_range
from kastoma.products.fields import ATTRIBUTE_KEY, DateOrDateTime, no_control_characters, text
from kastoma.products.models import StockReason
from kastoma.products.orderings import ORDERING_CHOICES

MAX_ATTRIBUTE_FILTERS = 10
ATTRIBUTE_PREFIX = "attr."


def _price(**kwargs: Any) -> ma.fields.Decimal:
    kwargs["metadata"] = {"minimum": 0, "maximum": float(MAX_PRICE), **kwargs.get("metadata", {})}
    return ma.fields.Decimal(allow_nan=False, validate=price_in_range, **kwargs)


class InactiveQuerySchema(ma.Schema):
    include_inactive = ma.fields.Boolean(
        load_default=False, metadata={"description": "Staff only: also show deactivated rows."}
    )


class ProductQuerySchema(InactiveQuerySchema):
    search = text(200, metadata={"description": "Words to find in the name, SKU or description."})
    category = text(220, metadata={"description": "A category id or slug (that category only)."})
    category_tree = text(220, metadata={"description": "A category id or slug, including its descendants."})
    min_price = _price(metadata={"description": "Products with a price (any variant's) of at least this."})
    max_price = _price(metadata={"description": "Products with a price (any variant's) of at most this."})
    in_stock = ma.fields.Boolean()
    is_featured = ma.fields.Boolean()
    created_after = DateOrDateTime(metadata={"description": "ISO 8601 date or date-time (inclusive)."})
    created_before = DateOrDateTime(
        end_of_day=True, metadata={"description": "ISO 8601 date or date-time (inclusive)."}
    )
    ordering = ma.fields.String(
        validate=validate.OneOf(ORDERING_CHOICES),
        metadata={"description": "Prefix with '-' for descending; `relevance` needs a search term."},
    )
    cursor = ma.fields.String(
        validate=[validate.Length(max=1000), no_control_characters],
        metadata={"description": "Keyset pagination: the `next_cursor` of the previous page (use instead of page)."},
    )
    attributes = ma.fields.Dict(
        keys=ma.fields.String(
            validate=validate.Regexp(ATTRIBUTE_KEY, error="Attribute filters look like attr.color=red.")
        ),
        values=ma.fields.List(text(100, min_length=1), validate=validate.Length(min=1, max=20)),
        validate=validate.Length(max=MAX_ATTRIBUTE_FILTERS),
        metadata={
            "x-query-prefix": ATTRIBUTE_PREFIX,
            "description": "products whose attribute (or a variant's) has that value; repeat for several values.",
        },
    )

    @ma.pre_load
    def collect_attribute_filters(self, data: Any, **kwargs: Any) -> dict[str, Any]:
        getlist = getattr(data, "getlist", None)
        plain: dict[str, Any] = {}
        attributes: dict[str, list[str]] = {}
        for key in data:
            if key.startswith(ATTRIBUTE_PREFIX):
                attributes[key[len(ATTRIBUTE_PREFIX) :]] = getlist(key) if getlist else [data[key]]
            elif key != "attributes":
                plain[key] = data[key]
        if attributes:
            plain["attributes"] = attributes
        # `page` and `page_size` are the pagination's arguments (kastoma/api.py); a cursor replaces `page`.
        if "cursor" in plain and "page" in plain:
            raise ma.ValidationError("Use either page or cursor, not both.", "cursor")
        return plain

    @ma.validates_schema
    def consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise ma.ValidationError("max_price must not be below min_price.", "max_price")
        after, before = data.get("created_after"), data.get("created_before")
        if after is not None and before is not None and after > before:
            raise ma.ValidationError("created_before must not be before created_after.", "created_before")


class SearchQuerySchema(ProductQuerySchema):
    q = text(200, required=True, metadata={"description": "The search text (websearch syntax: quotes, -word, or)."})

    @ma.validates("q")
    def not_blank(self, value: str, **kwargs: Any) -> None:
        if not value.strip():
            raise ma.ValidationError("Enter something to search for.")


class CategoryQuerySchema(InactiveQuerySchema):
    parent = ma.fields.UUID(metadata={"description": "Children of this category id."})
    parent_slug = text(120, metadata={"description": "Children of this category slug."})
    is_root = ma.fields.Boolean()
    search = text(100)
    ordering = ma.fields.String(
        load_default="sort_order",
        validate=validate.OneOf([o for f in ("name", "sort_order", "created_at") for o in (f, f"-{f}")]),
    )


class StockMovementQuerySchema(ma.Schema):
    variant_id = ma.fields.UUID()
    reason = ma.fields.Enum(StockReason, by_value=True)
