"""Request and response schemas of product reviews and their moderation."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from kastoma.products.fields import text as text_field
from kastoma.products.models import Review, ReviewStatus
from kastoma.schemas import StrictSchema


def author_name(review: Review) -> str:
    """A display name that never reveals the email: "Cara C." or the username."""
    user = review.author
    if user.first_name:
        initial = f" {user.last_name[0]}." if user.last_name else ""
        return f"{user.first_name}{initial}"
    return user.username


class ReviewSchema(StrictSchema):
    id = ma.fields.UUID(dump_only=True)
    product_id = ma.fields.UUID(dump_only=True)
    rating = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    title = text_field(200, load_default="")
    text = text_field(5000, load_default="")
    author = ma.fields.Function(author_name, dump_only=True)
    is_verified_purchase = ma.fields.Boolean(dump_only=True)
    status = ma.fields.Enum(ReviewStatus, by_value=True, dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


class ModerationSchema(StrictSchema):
    status = ma.fields.Enum(ReviewStatus, by_value=True)
    is_approved = ma.fields.Boolean(metadata={"description": "Shorthand: true approves, false hides."})

    @ma.validates_schema
    def one_decision(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("status" in data) == ("is_approved" in data):
            raise ma.ValidationError("Give either status or is_approved.", "_schema")

    @ma.post_load
    def to_status(self, data: dict[str, Any], **kwargs: Any) -> ReviewStatus:
        if "is_approved" in data:
            return ReviewStatus.APPROVED if data["is_approved"] else ReviewStatus.HIDDEN
        return data["status"]


class ModeratedReviewSchema(ReviewSchema):
    """What staff see in the moderation queue."""

    product = ma.fields.Function(lambda r: {"id": str(r.product.id), "name": r.product.name, "slug": r.product.slug})
    moderated_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class ReviewQuerySchema(ma.Schema):
    status = ma.fields.Enum(ReviewStatus, by_value=True, metadata={"description": "Default: pending."})
    product = text_field(220, metadata={"description": "A product id or slug."})
    rating = ma.fields.Integer(validate=validate.Range(min=1, max=5))
