"""The servers' PostgreSQL connections, seen from the test: find them, and make them wait."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager

from sqlalchemy import select, text

from kastoma.extensions import db


def app_backends(application_name: str) -> list[int]:
    """Pids of the backends serving a server's connections (named by tests.servers.database_url)."""
    with db.engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = :n"),
                {"n": application_name},
            ).scalars()
        )


@contextmanager
def row_locked(row) -> Iterator[Callable[[], None]]:
    """Hold the lock of a model instance's row (e.g. a product's, as a long checkout would) until
    the block ends, or until the block calls the `release` function it is given."""
    model = type(row)
    with db.engine.connect() as conn:
        conn.execute(select(model.id).where(model.id == row.id).with_for_update())
        try:
            yield conn.rollback
        finally:
            conn.rollback()


@contextmanager
def table_locked(model) -> Iterator[Callable[[], None]]:
    """Hold an exclusive lock on a model's table, so that even plain reads of it wait; released
    at the end of the block or by the `release` function it is given."""
    with db.engine.connect() as conn:
        conn.execute(text(f'LOCK TABLE "{model.__tablename__}" IN ACCESS EXCLUSIVE MODE'))
        try:
            yield conn.rollback
        finally:
            conn.rollback()


def wait_for_lock_waiters(
    application_name: str, count: int, calls: list[Future], *, table: str = "", timeout: float = 30
) -> None:
    """Wait until `count` of a server's backends wait on a lock (its workers are mid-checkout),
    in a statement on `table` if given. Returns early when one of the `calls` was answered
    instead: the caller's check of the answers then says what went wrong."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :n AND wait_event_type = 'Lock'"
        " AND query LIKE :statement"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(call.done() for call in calls):
            return
        with db.engine.connect() as conn:
            if conn.execute(query, {"n": application_name, "statement": f"%{table}%"}).scalar() >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"{count} checkouts never got stuck on the row lock")
