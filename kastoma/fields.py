"""Marshmallow fields shared by every domain: money as a two-decimal JSON string."""

from __future__ import annotations

import decimal
from typing import Any

import marshmallow as ma

MAX_PRICE = decimal.Decimal("9999999999.99")
TWO_PLACES = decimal.Decimal("0.01")


def price_in_range(value: decimal.Decimal) -> None:
    # A function, not validate.Range: apispec would print Decimal bounds as strings.
    if not 0 <= value <= MAX_PRICE:
        raise ma.ValidationError(f"Must be between 0 and {MAX_PRICE}.")


class Money(ma.fields.Decimal):
    """A price: a JSON string with two decimals out; in, a number or string with at most two."""

    default_error_messages = {"places": "Use at most 2 decimal places."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", price_in_range)
        kwargs["metadata"] = {"type": "string", "format": "decimal", "example": "19.99", **kwargs.get("metadata", {})}
        super().__init__(places=2, as_string=True, allow_nan=False, **kwargs)

    def _format_num(self, value: Any) -> decimal.Decimal:
        num = decimal.Decimal(str(value))
        if num.is_finite() and num != num.quantize(TWO_PLACES):
            raise self.make_error("places")
        return super()._format_num(value)
