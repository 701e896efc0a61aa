"""Reading requests: one strict JSON reader for every body, and the argument parser.

Flask's `get_json`, webargs and the payment webhook all read bodies through `JSONProvider.loads`
(orjson): what no text column could store or no field means is invalid JSON there, a 400, never
an error deeper down. The parser answers invalid input with 400 (not webargs' 422), refuses NUL
anywhere, and holds an operation to the body the spec declares required.
"""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
import orjson
from flask import current_app
from flask.json.provider import DefaultJSONProvider
from webargs.flaskparser import FlaskParser, abort, is_json_request

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


def require_body(schema: ma.Schema) -> None:
    """Mark the schema of an operation whose JSON body the spec declares required."""
    setattr(schema, BODY_REQUIRED, True)


def _has_no_body(req) -> bool:
    # By its headers: reading the body would consume a form another parser is to read.
    return not req.content_length and "chunked" not in req.headers.get("Transfer-Encoding", "").lower()


parser = Parser()
