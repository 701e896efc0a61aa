"""Reads outside the request's transaction: the catalogue's listings on an autocommit pool."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, Select
from sqlalchemy.exc import DBAPIError

from kastoma.extensions import READS_BIND, db


def read_all(statement: Select) -> Sequence[Row]:
    """The rows of a SELECT that needs no snapshot beyond its own statement.

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
        return db.session.connection().execute(statement).all()
    try:
        with engine.connect() as connection:
            return connection.execute(statement).all()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with engine.connect() as connection:  # the pool has dropped every connection older than this
        return connection.execute(statement).all()
