"""Marshmallow fields shared by every domain: money as a two-decimal JSON string, http(s) URLs."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import validate

MAX_PRICE = decimal.Decimal("9999999999.99")
MONEY_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"  # 0 to MAX_PRICE, at most two decimals
TWO_PLACES = decimal.Decimal("0.01")


def price_in_range(value: decimal.Decimal) -> None:
    # A function, not validate.Range: apispec would print Decimal bounds as strings.
    if not 0 <= value <= MAX_PRICE:
        raise ma.ValidationError(f"Must be between 0 and {MAX_PRICE}.")


class Money(ma.fields.Decimal):
    """A price: a JSON string with two decimals out; in, a string with at most two (`"19.9"`)."""

    default_error_messages = {"places": "Use at most 2 decimal places."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", price_in_range)
        kwargs["metadata"] = {
            "type": "string",
            "format": "decimal",
            "pattern": MONEY_PATTERN,
            "example": "19.99",
            **kwargs.get("metadata", {}),
        }
        super().__init__(places=2, as_string=True, allow_nan=False, **kwargs)

    def _format_num(self, value: Any) -> decimal.Decimal:
        num = decimal.Decimal(str(value))
        if num.is_finite() and num != num.quantize(TWO_PLACES):
            raise self.make_error("places")
        return super()._format_num(value)


# Printable ASCII after the host (non-ASCII must be percent-encoded); a pattern, so the spec says it.
HTTP_URL_PATTERN = r"https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?([/?#][!-~]*)?"


def http_url(*, blank: bool = False, **kwargs: Any) -> ma.fields.String:
    """An absolute http(s) URL of at most 500 characters; with `blank`, "" (none) too."""
    pattern = f"^({HTTP_URL_PATTERN})?$" if blank else f"^{HTTP_URL_PATTERN}$"
    error = "Enter an http(s) URL, e.g. https://example.com/page."
    return ma.fields.String(validate=[validate.Length(max=500), validate.Regexp(pattern, error=error)], **kwargs)


def as_utc(value: datetime) -> datetime:
    """A date-time in UTC (naive ones are taken as UTC); ValueError when UTC is out of range
    (year 1 in a zone east of UTC), which every schema reports as an invalid date-time."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("out of range in UTC") from exc


class UTCDateTime(ma.fields.DateTime):
    """An ISO 8601 date-time, loaded as UTC (naive input is UTC)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        try:
            return as_utc(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as exc:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from exc


class AwareUTCDateTime(UTCDateTime, ma.fields.AwareDateTime):
    """An ISO 8601 date-time with its offset, loaded as UTC."""
