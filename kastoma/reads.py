"""Reads outside the request's transaction: the catalogue's listings on an autocommit pool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask
from sqlalchemy import Row, Select, event
from sqlalchemy.exc import DBAPIError

from kastoma.extensions import READS_BIND, db

UUID_OID = 2950  # PostgreSQL's uuid type


def _uuids_as_text(dbapi_connection: Any, _record: Any) -> None:
    import psycopg2.extensions  # only the PostgreSQL reads engine gets here

    as_text = psycopg2.extensions.new_type((UUID_OID,), "UUID_AS_TEXT", lambda value, _cursor: value)
    psycopg2.extensions.register_type(as_text, dbapi_connection)


def init_reads(app: Flask) -> None:
    """The reads engine hands UUID columns over as their text: listings only ever write them
    out as strings, and psycopg2's parsing of a page's ~40 of them into uuid.UUID, for the
    cards to turn back into strings, was 11 % of an uncached listing's instructions
    (docs/PERFORMANCE.md, sixth run)."""
    with app.app_context():
        engine = db.engines.get(READS_BIND)
    if engine is not None:
        event.listen(engine, "connect", _uuids_as_text)


def read_all(statement: Select, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
    """The rows of a SELECT (with the values of its bound `params`) that needs no snapshot beyond
    its own statement.

    On PostgreSQL it runs on an engine of its own in autocommit (`DB_AUTOCOMMIT_READS`). Without
    it, psycopg2 sends a BEGIN before the query and the pool a ROLLBACK after: half of an
    uncached listing's round trips. That engine skips the pre-ping (another round trip) and
    retries once instead when the pooled connection was dead. This is SQLAlchemy's "optimistic"
    disconnect handling, safe for a statement that is its own transaction and writes nothing.
    Elsewhere (SQLite, tests) the session's connection runs it. Being another connection, the
    engine does not see the session's uncommitted writes. On that engine a UUID column comes
    back as its text (a `str`), elsewhere as a `uuid.UUID`: use `str()` of it either way.
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
