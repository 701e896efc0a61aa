"""The response envelope: `{success, data, message, errors}` (lists add `pagination`), its
OpenAPI schemas, and the one builder of `pagination` for page numbers and cursors alike."""

from __future__ import annotations

import math
from functools import cache
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import g, jsonify, request


class PaginationSchema(ma.Schema):
    count = ma.fields.Integer(required=True, metadata={"description": "Total number of items."})
    page = ma.fields.Integer(required=True, allow_none=True, metadata={"description": "Null in cursor mode."})
    page_size = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True, metadata={"description": "Total number of pages."})
    next = ma.fields.String(required=True, allow_none=True, metadata={"format": "uri"})
    previous = ma.fields.String(required=True, allow_none=True, metadata={"format": "uri"})
    next_cursor = ma.fields.String(
        allow_none=True, metadata={"description": "Keyset lists only: pass it as `cursor` for the next page."}
    )


class ErrorSchema(ma.Schema):
    """The error envelope: `success` is false, `code` is machine-readable."""

    success = ma.fields.Boolean(required=True, metadata={"example": False})
    data = ma.fields.Raw(required=True, allow_none=True, metadata={"example": None})
    message = ma.fields.String(required=True)
    errors = ma.fields.Raw(
        required=True,
        allow_none=True,
        metadata={"description": "{field: [messages]} for validation errors, else details or null."},
    )
    code = ma.fields.String(required=True, metadata={"example": "not_found"})


def success_body(data: Any, message: str | None = None) -> dict[str, Any]:
    """The envelope of a successful response around already-serialised `data`."""
    return {"success": True, "data": data, "message": message, "errors": None}


@cache
def envelope_schema(schema_cls: type[ma.Schema] | None, many: bool) -> type[ma.Schema]:
    """One envelope schema class per (schema, many), so OpenAPI component names are stable."""
    base = schema_cls.__name__.removesuffix("Schema") if schema_cls else "Empty"
    fields: dict[str, ma.fields.Field] = {
        "success": ma.fields.Boolean(required=True, metadata={"example": True}),
        "data": (
            ma.fields.Nested(schema_cls, many=many, required=True)
            if schema_cls
            else ma.fields.Raw(required=True, allow_none=True)
        ),
        "message": ma.fields.String(required=True, allow_none=True),
        "errors": ma.fields.Raw(required=True, allow_none=True, metadata={"example": None}),
    }
    if many:
        fields["pagination"] = ma.fields.Nested(PaginationSchema)
    name = f"{base}{'List' if many else ''}EnvelopeSchema"
    return ma.Schema.from_dict(fields, name=name)


# --- Responses --------------------------------------------------------------------------------


def answer(status: int, schema: ma.Schema, data: Any, message: str | None = None):
    """A response whose status and body schema differ from the operation's main response
    (declared with `alt_response`), in the envelope."""
    response = jsonify(success_body(schema.dump(data), message))
    response.status_code = status
    return response


def set_message(message: str) -> None:
    """Set the envelope's human-readable `message` for the current response."""
    g.api_message = message


def pagination_metadata(
    count: int, page_size: int, page: int | None, *, keyset: bool = False, next_cursor: str | None = None
) -> dict[str, Any]:
    """The envelope's `pagination`: of page `page`, or (`page` None) of a page reached by cursor.
    A list that can also be scrolled by keyset (`keyset`) gives `next_cursor` on every page."""
    pages = math.ceil(count / page_size) if count else 0
    body: dict[str, Any] = {"count": count, "page": page, "page_size": page_size, "pages": pages}
    if page is None:
        body["next"] = _url(cursor=next_cursor, page=None) if next_cursor else None
        body["previous"] = None
    else:
        body["next"] = _url(page=page + 1) if page < pages else None
        body["previous"] = _url(page=min(page - 1, max(pages, 1))) if page > 1 else None
    if keyset:
        body["next_cursor"] = next_cursor
    return body


def _url(**changes: Any) -> str:
    """This request's URL with some query arguments changed (None: removed), others in order."""
    args = request.args.copy()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)  # in its place, if it was there
    return f"{request.base_url}?{urlencode(list(args.items(multi=True)))}"
