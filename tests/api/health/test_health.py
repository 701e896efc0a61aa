"""Health endpoints: liveness, readiness and the detailed report, with a live and a dead DB."""

from __future__ import annotations

import time

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from kastoma.extensions import db
from tests.conftest import make_test_app

DEAD_DATABASES = [
    "sqlite:////nonexistent-dir/kastoma/dead.db",
    "postgresql://postgres@127.0.0.1:1/kastoma_dead",
]


def test_health_reports_version(client):
    r = client.get("/health/")
    assert r.status_code == 200
    assert r.get_json()["status"] == "healthy" and r.get_json()["version"]
    assert r.headers["Cache-Control"] == "no-store"


def test_live(client):
    r = client.get("/health/live/")
    assert r.status_code == 200 and r.get_json()["status"] == "alive"


def test_ready_when_database_is_migrated(client):
    r = client.get("/health/ready/")
    body = r.get_json()
    assert r.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["migrations"]["status"] == "up"
    assert body["checks"]["database"]["latency_ms"] >= 0


def test_detailed_lists_every_dependency_with_latency(client):
    r = client.get("/health/detailed/")
    body = r.get_json()
    assert r.status_code == 200, body
    assert body["status"] == "healthy"
    assert set(body["checks"]) == {"database", "cache", "migrations"}
    for check in body["checks"].values():
        assert check["status"] == "up" and isinstance(check["latency_ms"], float)
    assert body["checks"]["migrations"]["current"] == body["checks"]["migrations"]["head"]


def test_pending_migrations_make_ready_503(client):
    # Pretend the database is one revision behind (rolled back with the test transaction).
    db.session.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    heads = MigrationContext.configure(db.session.connection()).get_current_heads()
    assert heads == ("older",)
    r = client.get("/health/ready/")
    assert r.status_code == 503
    assert r.get_json()["checks"]["migrations"]["status"] == "pending"
    detailed = client.get("/health/detailed/")
    assert detailed.status_code == 503 and detailed.get_json()["status"] == "degraded"


@pytest.mark.parametrize("dead_url", DEAD_DATABASES)
def test_dead_database(dead_url, tmp_path_factory):
    dead_app = make_test_app(tmp_path_factory, SQLALCHEMY_DATABASE_URI=dead_url)
    client = dead_app.test_client()
    original = db.session
    # The autouse fixture bound db.session to the live test database; use the dead one.
    with dead_app.app_context():
        db.session = db._make_scoped_session({})
        try:
            assert client.get("/health/live/").status_code == 200
            for path in ("/health/ready/", "/health/detailed/"):
                started = time.monotonic()
                r = client.get(path)
                assert time.monotonic() - started < 3
                assert r.status_code == 503
                body = r.get_json()
                assert body["checks"]["database"]["status"] == "down"
                raw = r.get_data(as_text=True)
                for leak in ("OperationalError", "nonexistent", "127.0.0.1", "Traceback", "psycopg2"):
                    assert leak not in raw
            assert client.get("/health/detailed/").get_json()["status"] == "degraded"
            api = client.get("/api/v1/core/settings/")
            assert api.status_code == 503
            assert api.get_json()["code"] == "service_unavailable"
            assert "nonexistent" not in api.get_data(as_text=True)
        finally:
            db.session.remove()
            db.session = original
