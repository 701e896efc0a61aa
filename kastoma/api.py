"""The REST layer's one implementation of the response envelope, error format and pagination.

Every `/api/v1` view returns plain data; the `Blueprint` here wraps it in
`{success, data, message, errors, pagination}` and documents that shape per endpoint in
OpenAPI. Every error (domain, validation, Werkzeug, database) leaves through `error_response`.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlencode

import flask_smorest
import marshmallow as ma
import orjson
from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError
from sqlalchemy.sql import Select
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import HTTPException

from kastoma.errors import HTTP_CODES, HTTP_MESSAGES, DomainError
from kastoma.extensions import db

log = logging.getLogger("kastoma.errors")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


# --- JSON and argument parsing ---------------------------------------------------------------


# What orjson leaves to `default`, so that bodies read as with Flask's own provider: dates as
# HTTP dates, dataclasses through Flask's conversion; non-string keys as strings.
ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS


class JSONProvider(DefaultJSONProvider):
    """Reads and writes JSON with orjson: compact bodies (encoding a page of 20 products took
    6 % of an uncached listing's CPU with json.dumps) in the envelope's key order, and one strict
    reader for every request body (Flask's `get_json` and webargs alike). What no text column
    could store or no field means is invalid JSON here, a 400, never an error deeper down:
    unpaired surrogates (`"\\ud800"`, which PostgreSQL cannot encode), integers too long to be a
    number (5,000 digits; Python's own parser raises inside itself), NaN and Infinity, and
    nesting deeper than 1,024 levels."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs.keys() - {"separators"}:  # indented (debug) or tuned output: the standard library
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=ORJSON_OPTIONS).decode()
        except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits
            return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:  # a tuned call (object_hook, parse_float...): the standard library
            return super().loads(s, **kwargs)
        try:
            return orjson.loads(s)  # orjson.JSONDecodeError is a ValueError
        except orjson.JSONDecodeError as exc:
            if "number is infinity" not in str(exc):
                raise
        # A number beyond a double (10**400): read it as the infinity it is, so that the field
        # holding it gets the error (no field takes an infinite number), not the whole body.
        try:
            data = json.loads(s, parse_int=_bounded_int, parse_constant=_no_constant)
            orjson.dumps(data)  # what orjson would have refused after that number: unpaired surrogates
        except (RecursionError, TypeError) as exc:
            raise ValueError("Invalid JSON body.") from exc
        return data


def _bounded_int(digits: str) -> int | float:
    # Python's int() refuses more than 4,300 digits from inside the parser; no field takes more
    # than 18 (float() makes the rest a float, or infinity, which every integer field refuses).
    return int(digits) if len(digits) <= 18 else float(digits)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON.")


NUL_ERROR = ["Text may not contain NUL characters."]  # PostgreSQL cannot store them
# Set on the schema instance of an operation whose body the spec declares required.
BODY_REQUIRED = "kastoma_body_required"


def _holds_nul(value: Any) -> bool:
    pending = [value]
    while pending:  # iterative: bodies may be nested up to the JSON parser's limit
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class Parser(FlaskParser):
    """webargs parser answering 400 (not webargs' default 422) on invalid input, and refusing
    NUL characters anywhere in a body, a query string or a form before any code sees them."""

    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return ma.missing
        body = req.get_data(cache=True)
        if not body:
            return ma.missing
        try:
            return current_app.json.loads(body)  # invalid JSON: a JSONDecodeError, answered with 400
        except json.JSONDecodeError as exc:
            # orjson leaves `doc` empty for bytes that are not UTF-8, which webargs would take
            # for an empty body (and the request for one without a body).
            raise json.JSONDecodeError(exc.msg, doc=exc.doc or repr(body[:100]), pos=exc.pos) from exc

    def load_json(self, req, schema):
        data = super().load_json(req, schema)
        if data is ma.missing:
            if getattr(schema, BODY_REQUIRED, False) and _has_no_body(req):
                abort(400, messages={"json": ["A JSON body is required."]})
            return data
        fields = data.items() if isinstance(data, dict) else [("_schema", data)]
        if bad := {field: NUL_ERROR for field, value in fields if _holds_nul(field) or _holds_nul(value)}:
            abort(400, messages={"json": bad})
        return data

    def load_querystring(self, req, schema):
        self._refuse_nul(req.args, "query")
        return super().load_querystring(req, schema)

    def load_form(self, req, schema):
        self._refuse_nul(req.form, "form")
        return super().load_form(req, schema)

    @staticmethod
    def _refuse_nul(values, location: str) -> None:
        if bad := {key: NUL_ERROR for key, value in values.items(multi=True) if "\x00" in key + value}:
            abort(400, messages={location: bad})


def _has_no_body(req) -> bool:
    # By its headers: reading the body would consume a form another parser is to read.
    return not req.content_length and "chunked" not in req.headers.get("Transfer-Encoding", "").lower()


parser = Parser()


# --- Schemas documenting the envelope ---------------------------------------------------------


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


def set_pagination(pagination: dict[str, Any]) -> None:
    """Set the envelope's `pagination` for a list a view pages itself (e.g. keyset pagination)."""
    g.api_pagination = pagination


def set_message(message: str) -> None:
    """Set the envelope's human-readable `message` for the current response."""
    g.api_message = message


def error_response(
    status: int,
    code: str,
    message: str,
    errors: Any = None,
    headers: Mapping[str, str] | None = None,
):
    body = {"success": False, "data": None, "message": message, "errors": errors, "code": code}
    return jsonify(body), status, dict(headers or {})


WEBARGS_LOCATIONS = {
    "json",
    "query",
    "querystring",
    "form",
    "files",
    "headers",
    "path",
    "view_args",
    "json_or_form",
    "cookies",
}


def _flatten_validation_errors(messages: Any) -> Any:
    """webargs nests errors by location ({"json": {...}}); clients want {field: [msgs]}."""
    if not isinstance(messages, Mapping) or not set(messages) <= WEBARGS_LOCATIONS:
        return messages
    flat: dict[str, Any] = {}
    for errors in messages.values():
        if isinstance(errors, Mapping):
            flat.update(errors)
        else:  # a whole-body error such as "Invalid JSON body."
            flat.setdefault("_schema", []).extend(errors if isinstance(errors, list) else [errors])
    return flat


def _pagination_url(page: int) -> str:
    args = request.args.copy()
    args["page"] = str(page)
    return f"{request.base_url}?{urlencode(list(args.items(multi=True)))}"


def pagination_metadata(page: int, page_size: int, count: int) -> dict[str, Any]:
    pages = math.ceil(count / page_size) if count else 0
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "pages": pages,
        "next": _pagination_url(page + 1) if page < pages else None,
        "previous": _pagination_url(min(page - 1, max(pages, 1))) if page > 1 else None,
    }


class SelectPage(flask_smorest.Page):
    """Pages through a SQLAlchemy `select()`: one COUNT query and one LIMIT/OFFSET query."""

    collection: Select

    @property
    def items(self) -> list[Any]:
        if self.page_params.first_item >= self.page_params.item_count:
            return []  # past the end: no query (and no OFFSET too large for the database)
        stmt = self.collection.limit(self.page_params.page_size).offset(self.page_params.first_item)
        return list(db.session.scalars(stmt).unique())

    @property
    def item_count(self) -> int:
        count_stmt = select(func.count()).select_from(self.collection.order_by(None).subquery())
        return db.session.scalar(count_stmt) or 0


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest Blueprint whose responses are wrapped in the Kastoma envelope.

    `envelope=False` is for the few non-API endpoints (health checks) that keep their own
    conventional bodies but still want OpenAPI documentation.
    """

    ARGUMENTS_PARSER = parser
    PAGINATION_ARGUMENTS_PARSER = parser
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": DEFAULT_PAGE_SIZE, "max_page_size": MAX_PAGE_SIZE}

    def __init__(self, *args: Any, envelope: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.envelope = envelope

    def arguments(self, schema, *args: Any, **kwargs: Any):
        """Schema classes are instantiated here, once: webargs would build a new instance (deep-
        copying every field) on every request. A JSON body is required unless `required=False`,
        as the spec then says: a request without one is a 400, even when every field is optional
        (a PATCH)."""
        schema = schema() if isinstance(schema, type) else schema
        location = kwargs.get("location", args[0] if args else "json")
        if location == "json" and kwargs.get("required", True):
            setattr(schema, BODY_REQUIRED, True)
        return super().arguments(schema, *args, **kwargs)

    def _make_doc_response_schema(self, schema):
        # Error responses are already in their own envelope (ErrorSchema): never wrap them twice.
        if not self.envelope or isinstance(schema, (str, dict, ErrorSchema)):
            return schema
        if schema is None:
            return envelope_schema(None, False)
        return envelope_schema(type(schema), bool(schema.many))

    def _prepare_response_content(self, data):
        if not self.envelope:
            return data
        body = success_body(data, g.pop("api_message", None))
        pagination = g.pop("api_pagination", None)
        if pagination is not None:
            body["pagination"] = pagination
        return body

    def _set_pagination_metadata(self, page_params, result, headers):
        g.api_pagination = pagination_metadata(page_params.page, page_params.page_size, page_params.item_count)
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        """Pagination travels in the body (documented by the list envelope), not a header."""

    def auth(self, role: Any = None, *, optional: bool = False):
        """Require a bearer token (and `role`, a kastoma.users.models.Role), and document it.

        Put it above `arguments`, so an anonymous caller gets 401 before body validation.
        """
        from kastoma.auth import require_user  # auth builds on this module

        def decorator(func):
            func = require_user(role, optional)(func)
            security = [{"bearerAuth": []}, {}] if optional else [{"bearerAuth": []}]
            func = self.doc(security=security)(func)
            return func if optional else self.doc_errors(401, *([403] if role else []))(func)

        return decorator

    def doc_errors(self, *status_codes: int):
        """Document error responses (in the error envelope) an operation can return."""

        def decorator(func):
            for status in sorted(status_codes, reverse=True):
                func = self.alt_response(status, schema=ErrorSchema)(func)
            return func

        return decorator


# --- Errors -----------------------------------------------------------------------------------


def schema_name(schema: type[ma.Schema] | ma.Schema) -> str:
    """Stable OpenAPI component names: `Address`, and `AddressPatch` for its partial variant."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name


class PrefixedQueryPlugin(BasePlugin):
    """OpenAPI 3.0 cannot declare query parameters named by a prefix (`attr.color=red`): a query
    field marked `x-query-prefix` leaves the parameter list and is described in the operation."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            params = operation.get("parameters", [])
            for param in [p for p in params if "x-query-prefix" in p.get("schema", {})]:
                params.remove(param)
                usage = f"`{param['schema']['x-query-prefix']}<name>=<value>`: {param.get('description', '')}"
                operation["description"] = f"{operation.get('description', '')}\n\n{usage}".strip()


class Api(flask_smorest.Api):
    """The smorest Api, with every error answered in the Kastoma error envelope."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app: Any = None) -> None:
        super().__init__(
            app,
            spec_kwargs={
                "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name),
                "extra_plugins": [PrefixedQueryPlugin()],
                "components": {
                    "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
                },
            },
        )

    def _register_error_handlers(self) -> None:
        super()._register_error_handlers()
        self._app.register_error_handler(DomainError, handle_domain_error)
        self._app.register_error_handler(DBAPIError, handle_database_error)
        self._app.register_error_handler(StaleDataError, handle_vanished_row)
        self._app.register_error_handler(ObjectDeletedError, handle_vanished_row)

    def handle_http_exception(self, error: HTTPException):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        errors = None
        if "errors" in data:
            errors = data["errors"]
        elif "messages" in data:
            errors = _flatten_validation_errors(data["messages"])
        if status == 400 and errors is not None:
            code, message = "validation_error", data.get("message") or "Invalid input."
        else:
            code = HTTP_CODES.get(status, "error")
            # Werkzeug's descriptions are safe, but a 500 says nothing about its cause.
            # Our own wording first; a 5xx never repeats what went wrong inside.
            message = (
                data.get("message")
                or HTTP_MESSAGES.get(status)
                or (error.description if status < 500 else HTTP_MESSAGES[500])
            )
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        return error_response(status, code, message, errors, headers)


def handle_domain_error(error: DomainError):
    return error_response(error.status_code, error.code, error.message, error.errors, error.headers)


def handle_vanished_row(error: Exception):
    """The row a request was changing was deleted by another request meanwhile (an UPDATE or
    DELETE that matched no row): for this request it is gone, whatever the resource."""
    db.session.rollback()
    return error_response(404, "not_found", "Not found: it was removed while this request was being processed.")


def handle_database_error(error: DBAPIError):
    db.session.rollback()
    if isinstance(error, IntegrityError):
        return error_response(409, "conflict", "This change conflicts with existing data (a duplicate or a reference).")
    if isinstance(error, DataError):
        return error_response(400, "invalid_data", "A value is out of range or malformed for storage.")
    if isinstance(error, (OperationalError, InterfaceError)):
        log.warning("database unavailable: %s", type(error.orig).__name__)
        return error_response(503, "service_unavailable", HTTP_MESSAGES[503], headers={"Retry-After": "5"})
    current_app.logger.exception("database error", exc_info=error)
    return error_response(500, "internal_error", HTTP_MESSAGES[500])
