"""Listings on PostgreSQL read on autocommit connections of their own (DB_AUTOCOMMIT_READS).

The suite's app turns them off (each test's rows live in its rolled-back transaction): this
test commits for real and asks a second app, configured as in production, for them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from kastoma.extensions import READS_BIND, db, read_connection
from tests.conftest import make_test_app

pytestmark = pytest.mark.committing


def test_listings_read_committed_rows_outside_a_transaction(postgres_only, app, make_product, tmp_path_factory):
    teapot = make_product(name="Autocommit teapot", stock=3)
    make_product(name="Autocommit kettle", stock=0)
    reader = make_test_app(tmp_path_factory, DB_AUTOCOMMIT_READS=True)
    try:
        with reader.app_context():
            with read_connection() as connection:
                assert connection.engine is db.engines[READS_BIND]
                assert connection.connection.dbapi_connection.autocommit is True
            statements: list[str] = []
            event.listen(db.engines[READS_BIND], "before_cursor_execute", lambda *a: statements.append(a[2]))
            client = reader.test_client()
            searched = client.get("/api/v1/products/search/?q=teapot")
            listed = client.get("/api/v1/products/?in_stock=true&ordering=name")
    finally:
        with reader.app_context():
            for engine in db.engines.values():
                engine.dispose()

    assert searched.status_code == 200, searched.json
    assert [p["id"] for p in searched.json["data"]] == [str(teapot.id)]
    assert listed.status_code == 200, listed.json
    assert [p["name"] for p in listed.json["data"]] == ["Autocommit teapot"]
    assert listed.json["pagination"]["count"] == 1
    # Each listing's count and page ran on the autocommit engine.
    assert len(statements) == 4
    assert all("FROM products" in s for s in statements)
