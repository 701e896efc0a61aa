"""The base of every request-body schema: unknown fields and mistyped JSON values are errors.

Marshmallow is lenient by default (`"5"` loads as an integer, `0` as a boolean, `19.99` as a
price); the documented contract is JSON Schema, so a body whose values do not have the
documented JSON type is refused with a 400 naming the field.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import marshmallow as ma

from kastoma.fields import Money


def _json_type_matches(field: ma.fields.Field, value: Any) -> bool:
    if value is None:
        return True  # allow_none is the field's own business
    if isinstance(field, ma.fields.Boolean):
        return isinstance(value, bool)
    if isinstance(field, Money):
        return isinstance(value, str)
    if isinstance(field, ma.fields.Integer):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(field, ma.fields.Number):
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    return True


class StrictSchema(ma.Schema):
    """Unknown fields are an error: a client learns it sent `role` or `is_staff` for nothing."""

    #: Fields a client may read but not write, refused with the reason instead of "Unknown field.".
    read_only: ClassVar[dict[str, str]] = {}

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def json_types_match(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, dict):
            return data
        errors = {key: [reason] for key, reason in self.read_only.items() if key in data}
        for field in self.load_fields.values():
            key = field.data_key or field.name
            if key in data and not _json_type_matches(field, data[key]):
                errors[key] = [field.error_messages.get("invalid", "Not a valid value.")]
        if errors:
            raise ma.ValidationError(errors)
        return data


class MessageSchema(ma.Schema):
    """A plain answer: what was done."""

    detail = ma.fields.String(required=True)
