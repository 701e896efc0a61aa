"""Marshmallow fields and validators shared by the catalogue schemas."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

import marshmallow as ma
from marshmallow import validate

from kastoma.fields import as_utc
from kastoma.products.slugs import SLUG_PATTERN

ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
MAX_ATTRIBUTES = 50


# NUL and the other C0/C1 control characters never reach the database (PostgreSQL rejects NUL);
# tab, line feed and carriage return are text. A pattern, so the OpenAPI spec states the rule too.
no_control_characters = validate.Regexp(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$", error="Control characters are not allowed."
)


def text(max_length: int, *, min_length: int = 0, **kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=[validate.Length(min=min_length, max=max_length), no_control_characters], **kwargs)


def slug_field(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=[
            validate.Length(max=120),
            validate.Regexp(SLUG_PATTERN, error="Use lowercase letters, digits and single hyphens."),
        ],
        **kwargs,
    )


class Measure(ma.fields.Decimal):
    """Weights and dimensions: non-negative, at most `places` decimals, a number in JSON."""

    def __init__(self, places: int, **kwargs: Any) -> None:
        super().__init__(
            places=places, allow_nan=False, validate=validate.Range(min=0, max=1_000_000), allow_none=True, **kwargs
        )

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        result = super()._serialize(value, attr, obj, **kwargs)
        return float(result) if result is not None else None


class DateOrDateTime(ma.fields.Field):
    """An ISO 8601 date-time (UTC when naive) or a bare date: its start, or with `end_of_day`
    its last instant, so `created_before=2026-01-31` includes the 31st."""

    default_error_messages = {"invalid": "Use an ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z."}

    def __init__(self, end_of_day: bool = False, **kwargs: Any) -> None:
        spec = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}], "maxLength": 40}
        kwargs["metadata"] = {**spec, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)
        self.end_of_day = end_of_day

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or len(value) > 40:
            raise self.make_error("invalid")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise self.make_error("invalid") from exc
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and self.end_of_day:
            parsed = datetime.combine(parsed.date(), time.max)
        try:
            return as_utc(parsed)
        except ValueError as exc:
            raise self.make_error("invalid") from exc


def _check_attribute_value(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= 200 and no_control_characters.regex.match(value) is not None
    return isinstance(value, bool | int | float)


def validate_attributes(value: dict[str, Any]) -> None:
    """Flat JSON: keys like `color`, values a string/number/boolean or a short list of them."""
    if len(value) > MAX_ATTRIBUTES:
        raise ma.ValidationError(f"At most {MAX_ATTRIBUTES} attributes.")
    for key, item in value.items():
        if not ATTRIBUTE_KEY.match(key):
            raise ma.ValidationError(f"Attribute name {key[:60]!r}: use 1-50 letters, digits, '-' or '_'.")
        items = item if isinstance(item, list) else [item]
        if len(items) > 50 or not all(_check_attribute_value(v) for v in items):
            raise ma.ValidationError(f"Attribute {key!r}: use a string, number, boolean or a list of them.")


_SCALAR = {"anyOf": [{"type": "string", "maxLength": 200}, {"type": "number"}, {"type": "boolean"}]}
_VALUE = {"anyOf": [*_SCALAR["anyOf"], {"type": "array", "maxItems": 50, "items": _SCALAR}]}
ATTRIBUTES_SPEC = {
    "maxProperties": MAX_ATTRIBUTES,
    "description": "Names: 1-50 letters, digits, '-' or '_'. Values: a string, number, boolean or a list of them.",
}


def attributes_field(**kwargs: Any) -> ma.fields.Dict:
    kwargs["metadata"] = {**ATTRIBUTES_SPEC, **kwargs.get("metadata", {})}
    values = ma.fields.Raw(metadata=_VALUE)
    return ma.fields.Dict(keys=ma.fields.String(), values=values, validate=validate_attributes, **kwargs)


def sku_field(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=validate.Regexp(
            r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", error="1-64 letters, digits, '.', '-' or '_' (no spaces)."
        ),
        **kwargs,
    )
