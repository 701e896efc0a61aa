"""SQL statements per request, counted in the runner's process: its app has the server's
configuration, database and Redis, so a request through `app.test_client()` runs the same
queries as one served by gunicorn. tests/api/test_query_counts.py asserts the counts too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from kastoma.extensions import db


@contextmanager
def recorded_statements(with_values: bool = False) -> Iterator[list[str]]:
    """The statements sent to the database inside the block, on any of the app's engines
    (needs an app context); `with_values`: with their bound values in place, as sent."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        with_them = with_values and not executemany  # a batch of writes: its values stay out
        statements.append(cursor.mogrify(statement, parameters).decode() if with_them else statement)

    engines = list(db.engines.values())  # the catalogue's autocommit reads included
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def request_statements(app: Flask, request: dict, expected_status: int = 200, with_values: bool = False) -> list[str]:
    """The statements `request` (test-client keyword arguments plus method and path) sends."""
    request = dict(request)
    method, path = request.pop("method"), request.pop("path")
    # A fresh app context, hence a fresh `g` and session, as gunicorn gives every request: a
    # request inside the caller's context would share its `g` (and the rows memoised there).
    with app.app_context(), recorded_statements(with_values) as statements:
        response = app.test_client().open(path, method=method, **request)
    if response.status_code != expected_status:
        raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.get_data()[:300]!r}")
    return statements


def statements_per_request(app: Flask, request: dict, expected_status: int = 200) -> int:
    """How many statements `request` runs (see `request_statements`)."""
    return len(request_statements(app, request, expected_status))
