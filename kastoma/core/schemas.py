"""Schemas of the core endpoints: public settings, and for staff site settings, email templates
and page views."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from kastoma.core.emails import builtin_template_names
from kastoma.core.models import SettingType
from kastoma.fields import http_url
from kastoma.schemas import StrictSchema


def json_value(value: object) -> object:
    """Money and rates are strings with two decimals, like every amount in the API."""
    return f"{value:.2f}" if isinstance(value, Decimal) else value


class PublicSettingsSchema(ma.Schema):
    """The public site settings, keyed by name (money values are strings)."""

    settings = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(), required=True)


# --- Site settings (staff) ------------------------------------------------------------------------


class SiteSettingSchema(StrictSchema):
    """A setting with its typed value (money and rates as strings with their decimals)."""

    key = ma.fields.String(dump_only=True)
    value = ma.fields.Raw(
        required=True,
        metadata={
            "description": "Of the setting's type: a string, an integer, a decimal (as a string), a boolean or JSON.",
            "anyOf": [
                *({"type": t} for t in ("string", "number", "boolean")),
                {"type": "object", "additionalProperties": True},
                {"type": "array", "items": {}},
            ],
        },
    )
    value_type = ma.fields.Enum(SettingType, by_value=True, dump_only=True)
    is_public = ma.fields.Boolean(metadata={"description": "Readable by anyone at core/settings/."})
    description = ma.fields.String(validate=validate.Length(max=255))
    is_default = ma.fields.Boolean(dump_only=True, metadata={"description": "No stored value: the shipped default."})

    @ma.post_dump
    def money_as_strings(self, data: dict, **kwargs: object) -> dict:
        data["value"] = json_value(data["value"])
        return data


class SiteSettingCreateSchema(SiteSettingSchema):
    key = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,99}$"))
    value_type = ma.fields.Enum(SettingType, by_value=True, required=True)
    is_public = ma.fields.Boolean(load_default=False)
    description = ma.fields.String(load_default="", validate=validate.Length(max=255))


# --- Email templates (staff) ----------------------------------------------------------------------


class EmailTemplateSchema(StrictSchema):
    name = ma.fields.String(dump_only=True)
    subject = ma.fields.String(validate=validate.Length(min=1, max=255))
    body_text = ma.fields.String(validate=validate.Length(min=1, max=50_000))
    body_html = ma.fields.String(validate=validate.Length(max=100_000))
    description = ma.fields.String(validate=validate.Length(max=255))
    is_active = ma.fields.Boolean()
    updated_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class EmailTemplateReplaceSchema(EmailTemplateSchema):
    """PUT: the subject and text body given; the rest left out is emptied (HTML, description)."""

    subject = ma.fields.String(required=True, validate=validate.Length(min=1, max=255))
    body_text = ma.fields.String(required=True, validate=validate.Length(min=1, max=50_000))
    body_html = ma.fields.String(load_default="", validate=validate.Length(max=100_000))
    description = ma.fields.String(load_default="", validate=validate.Length(max=255))
    is_active = ma.fields.Boolean(load_default=True)


class EmailTemplateCreateSchema(EmailTemplateReplaceSchema):
    name = ma.fields.String(required=True, validate=validate.OneOf(builtin_template_names()))


class EmailPreviewRequestSchema(StrictSchema):
    """Parts to preview instead of the stored ones (all optional)."""

    subject = ma.fields.String(validate=validate.Length(min=1, max=255))
    body_text = ma.fields.String(validate=validate.Length(min=1, max=50_000))
    body_html = ma.fields.String(validate=validate.Length(max=100_000))


class EmailPreviewSchema(ma.Schema):
    subject = ma.fields.String(required=True)
    body_text = ma.fields.String(required=True)
    body_html = ma.fields.String(required=True)


# --- Page views -----------------------------------------------------------------------------------


class PageViewCreateSchema(StrictSchema):
    path = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=500), validate.Regexp(r"^/\S*$", error="A path starting with /.")],
    )
    product_id = ma.fields.UUID(allow_none=True)
    referrer = http_url(allow_none=True, metadata={"description": "Only its host is kept."})


class PageViewSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    path = ma.fields.String(required=True)
    product_id = ma.fields.UUID(required=True, allow_none=True)
    referrer_host = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)


class PageViewQuerySchema(ma.Schema):
    path = ma.fields.String(validate=validate.Length(max=500), metadata={"description": "Paths starting with this."})
    product_id = ma.fields.UUID()
    start = ma.fields.Date(data_key="from")
    end = ma.fields.Date(data_key="to")


class DailyViewsSchema(ma.Schema):
    date = ma.fields.Date(required=True)
    views = ma.fields.Integer(required=True)


class PathViewsSchema(ma.Schema):
    path = ma.fields.String(required=True)
    views = ma.fields.Integer(required=True)


class ProductViewsSchema(ma.Schema):
    product_id = ma.fields.UUID(required=True)
    views = ma.fields.Integer(required=True)


class PageViewSummarySchema(ma.Schema):
    start = ma.fields.Date(data_key="from", required=True)
    end = ma.fields.Date(data_key="to", required=True)
    views = ma.fields.Integer(required=True)
    by_day = ma.fields.List(ma.fields.Nested(DailyViewsSchema), required=True)
    top_paths = ma.fields.List(ma.fields.Nested(PathViewsSchema), required=True)
    top_products = ma.fields.List(ma.fields.Nested(ProductViewsSchema), required=True)
