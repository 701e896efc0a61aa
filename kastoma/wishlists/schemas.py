"""Request and response schemas of the wishlist endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from kastoma.schemas import StrictSchema


class WishlistItemSchema(StrictSchema):
    id = ma.fields.UUID(dump_only=True)
    product_id = ma.fields.UUID(required=True)
    variant_id = ma.fields.UUID(allow_none=True, load_default=None)
    note = ma.fields.String(validate=validate.Length(max=255), load_default="")
    added_at = ma.fields.DateTime(attribute="created_at", dump_only=True)


class WishlistSchema(StrictSchema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    is_public = ma.fields.Boolean(load_default=False)
    is_default = ma.fields.Boolean(dump_only=True)
    owner = ma.fields.Function(lambda w: w.owner.username, dump_only=True)
    item_count = ma.fields.Function(lambda w: len(w.items), dump_only=True)
    items = ma.fields.List(ma.fields.Nested(WishlistItemSchema), dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
