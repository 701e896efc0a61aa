"""Request and response schemas of categories: flat, detailed (children, breadcrumbs), tree."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from kastoma.fields import http_url
from kastoma.products import categories
from kastoma.products.fields import slug_field, text
from kastoma.schemas import StrictSchema


class CategoryRefSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    slug = ma.fields.String()


def _parent(category: Any) -> dict[str, Any] | None:
    if category.parent_id is None:
        return None
    node = categories.category_index().by_id.get(str(category.parent_id))
    return {"id": node.id, "name": node.name, "slug": node.slug} if node else None


class CategorySchema(StrictSchema):
    """PUT replaces (omitted optional fields take their defaults); PATCH changes what is sent."""

    id = ma.fields.UUID(dump_only=True)
    name = text(100, min_length=1, required=True)
    slug = slug_field(metadata={"description": "Generated from the name when omitted."})
    description = text(2000, load_default="")
    parent_id = ma.fields.UUID(allow_none=True, load_default=None)
    parent = ma.fields.Function(_parent, dump_only=True, allow_none=True)
    sort_order = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))
    # Dumped as null when there is no image; null or "" on input means "no image".
    image_url = http_url(blank=True, load_default="", allow_none=True)
    is_active = ma.fields.Boolean(load_default=True)
    product_count = ma.fields.Function(
        lambda c: categories.product_count(c.id),
        dump_only=True,
        metadata={"description": "Active products in this category and its descendants."},
    )
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)

    @ma.post_dump
    def no_image_is_null(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("image_url") == "":
            data["image_url"] = None
        return data

    @ma.post_load
    def null_image_is_empty(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "image_url" in data and data["image_url"] is None:
            data["image_url"] = ""
        return data


class CategoryDetailSchema(CategorySchema):
    children = ma.fields.List(ma.fields.Nested(CategorySchema), dump_only=True, attribute="active_children")
    breadcrumbs = ma.fields.Function(
        lambda c: [{"id": n.id, "name": n.name, "slug": n.slug} for n in categories.breadcrumbs(c)],
        dump_only=True,
        metadata={"description": "From the root down to this category."},
    )


class CategoryTreeSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    slug = ma.fields.String()
    image_url = ma.fields.String(allow_none=True)
    sort_order = ma.fields.Integer()
    is_active = ma.fields.Boolean()
    product_count = ma.fields.Integer()
    children = ma.fields.List(ma.fields.Nested(lambda: CategoryTreeSchema()))
