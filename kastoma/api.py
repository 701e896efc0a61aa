"""The REST layer: the smorest Blueprint that wraps every `/api/v1` answer in the envelope
(kastoma/envelope.py) and documents it, pagination over `select()`s, and the Api whose error
handlers answer every error (domain, validation, Werkzeug, database) in the error envelope.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import flask_smorest
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, g
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError
from sqlalchemy.sql import Select
from werkzeug.exceptions import HTTPException

from kastoma.auth import require_user
from kastoma.envelope import ErrorSchema, envelope_schema, pagination_metadata, success_body
from kastoma.errors import HTTP_CODES, HTTP_MESSAGES, DomainError, error_response
from kastoma.extensions import db
from kastoma.openapi import PrefixedQueryPlugin, schema_name
from kastoma.parsing import parser, require_body
from kastoma.roles import Role

log = logging.getLogger("kastoma.errors")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


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
            require_body(schema)
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
        """smorest's pagination, in the view function or by a Page: the view (or the Page) sets
        `item_count`; a keyset list sets `next_cursor` too, and `by_cursor` when this page was
        reached by one (it then has no number)."""
        keyset = hasattr(page_params, "next_cursor")
        g.api_pagination = pagination_metadata(
            page_params.item_count,
            page_params.page_size,
            None if getattr(page_params, "by_cursor", False) else page_params.page,
            keyset=keyset,
            next_cursor=getattr(page_params, "next_cursor", None),
        )
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        """Pagination travels in the body (documented by the list envelope), not a header."""

    def auth(self, role: Role | None = None, *, optional: bool = False):
        """Require a bearer token (and `role`), and document it.

        Put it above `arguments`, so an anonymous caller gets 401 before body validation.
        """

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
