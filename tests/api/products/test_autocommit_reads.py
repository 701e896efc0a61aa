"""Listings on PostgreSQL read on autocommit connections of their own (DB_AUTOCOMMIT_READS).

The suite's app turns them off (each test's rows live in its rolled-back transaction): these
tests commit for real and ask a second app, configured as in production, for them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text

from kastoma.extensions import READS_BIND, db
from kastoma.products.models import Product
from kastoma.reads import read_all
from tests.conftest import make_test_app

pytestmark = pytest.mark.committing


@pytest.fixture
def reader(postgres_only, tmp_path_factory):
    """An app reading as in production, on the suite's database."""
    app = make_test_app(tmp_path_factory, DB_AUTOCOMMIT_READS=True)
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_listings_read_committed_rows_outside_a_transaction(reader, make_product):
    teapot = make_product(name="Autocommit teapot", stock=3)
    make_product(name="Autocommit kettle", stock=0)
    with reader.app_context():
        reads = db.engines[READS_BIND]
        with reads.connect() as connection:
            assert connection.connection.dbapi_connection.autocommit is True
        statements: list[str] = []
        event.listen(reads, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client = reader.test_client()
        searched = client.get("/api/v1/products/search/?q=teapot")
        listed = client.get("/api/v1/products/?in_stock=true&ordering=name")

    assert searched.status_code == 200, searched.json
    assert [p["id"] for p in searched.json["data"]] == [str(teapot.id)]
    assert searched.json["data"][0]["category"]["id"] == str(teapot.category_id)
    assert listed.status_code == 200, listed.json
    assert [p["name"] for p in listed.json["data"]] == ["Autocommit teapot"]
    assert listed.json["pagination"]["count"] == 1
    # Each listing's count and page ran on the autocommit engine, with no pre-ping.
    assert len(statements) == 4
    assert all("FROM products" in s for s in statements)


def test_a_read_on_a_killed_connection_is_retried_once(reader, make_product):
    make_product(name="Resilient teapot", stock=1)
    with reader.app_context():
        pids = [row[0] for row in read_all(select(text("pg_backend_pid()")))]
        # The pooled connection dies (a database restart, an idle timeout, an operator).
        with db.engine.connect() as admin:
            # With a timeout, it returns once the backend is gone (PostgreSQL 14+).
            terminated = admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pids[0]}).scalar()
            assert terminated is True
        assert [row[0] for row in read_all(select(text("pg_backend_pid()")))] != pids
        response = reader.test_client().get("/api/v1/products/search/?q=resilient")
    assert response.status_code == 200, response.json
    assert [p["name"] for p in response.json["data"]] == ["Resilient teapot"]


def test_uuids_come_back_as_their_text(reader, make_product):
    """psycopg2 parses no UUID on the reads engine (a listing writes them out as text anyway);
    the session's engine still gives uuid.UUID objects."""
    teapot = make_product(name="Text teapot", stock=1)
    query = select(Product.id, Product.category_id).where(Product.id == teapot.id)
    with reader.app_context():
        assert read_all(query) == [(str(teapot.id), str(teapot.category_id))]
        assert db.session.execute(query).one() == (teapot.id, teapot.category_id)
        db.session.rollback()
        # Cursors are built from those rows: a keyset page still follows on.
        make_product(name="Text teapot 2", stock=1)
        client = reader.test_client()
        search = "/api/v1/products/search/?q=teapot&ordering=name"
        first = client.get(f"{search}&page_size=1")
        after = client.get(f"{search}&cursor={first.json['pagination']['next_cursor']}")
    assert [p["name"] for p in first.json["data"] + after.json["data"]] == ["Text teapot", "Text teapot 2"]
