"""CORS: only configured origins, never a wildcard with credentials."""

from __future__ import annotations

import pytest

from tests.conftest import make_test_app

ALLOWED = "https://shop.example.com"


@pytest.fixture(scope="module")
def cors_client(tmp_path_factory):
    app = make_test_app(tmp_path_factory, CORS_ALLOWED_ORIGINS=[ALLOWED], SQLALCHEMY_DATABASE_URI="sqlite://")
    return app.test_client()


def preflight(client, origin: str):
    return client.options(
        "/api/v1/core/settings/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )


def test_allowed_origin_gets_cors_headers(cors_client):
    r = preflight(cors_client, ALLOWED)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert "authorization" in r.headers["Access-Control-Allow-Headers"].lower()
    simple = cors_client.get("/health/live/", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in simple.headers, "CORS is for /api/ only"


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "https://shop.example.com.evil.com", "http://shop.example.com"]
)
def test_other_origins_get_nothing(cors_client, origin):
    r = preflight(cors_client, origin)
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_no_cors_headers_without_configuration(client):
    r = preflight(client, ALLOWED)
    assert "Access-Control-Allow-Origin" not in r.headers


def test_wildcard_never_allows_credentials(tmp_path_factory):
    app = make_test_app(tmp_path_factory, CORS_ALLOWED_ORIGINS=["*"], SQLALCHEMY_DATABASE_URI="sqlite://")
    r = preflight(app.test_client(), "https://anyone.example")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
