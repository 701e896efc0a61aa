"""Reads outside the request's transaction: the catalogue's listings on an autocommit pool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, Select
from sqlalchemy.exc import DBAPIError

from kastoma.extensions import READS_BIND, db


def read_all(statement: Select, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
    """The rows of a SELECT (with the values of its bound `params`) that needs no snapshot beyond
    its own statement.

    On PostgreSQL it runs on an engine of its own in autocommit (`DB_AUTOCOMMIT_READS`). Without
    it, psycopg2 sends a BEGIN before the query and the pool a ROLLBACK after: half of an
    uncached listing's round trips. That engine skips the pre-ping (another round trip) and
    retries once instead when the pooled connection was dead. This is SQLAlchemy's "optimistic"
    disconnect handling, safe for a statement that is its own transaction and writes nothing.
    Elsewhere (SQLite, tests) the session's connection runs it. Being another connection, the
    engine does not see the session's uncommitted writes.
    """
    if not statement.is_select:
        raise TypeError("read_all runs SELECTs only: a retried write could apply twice")
    engine = db.engines.get(READS_BIND)
    if engine is None:
        return db.session.connection().execute(statement, params).all()
    try:
        with engine.connect() as connection:
            return connection.execute(statement, params).all()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with engine.connect() as connection:  # the pool has dropped every connection older than this
        return connection.execute(statement, params).all()
