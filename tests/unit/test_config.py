"""Configuration: environment variables, production secrets, and two apps in one process."""

from __future__ import annotations

import pytest

from config import DEFAULT_SECRET_KEY, load_config
from kastoma import create_app
from kastoma.extensions import db
from tests.conftest import make_test_app

STRONG = "x" * 40


def test_values_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("JWT_ACCESS_TOKEN_LIFETIME", "5")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/shop")
    config = load_config("development")
    assert config.JWT_ACCESS_TOKEN_LIFETIME == 5
    assert config.CORS_ALLOWED_ORIGINS == ["https://a.example", "https://b.example"]
    assert config.RATELIMIT_ENABLED is False
    app = create_app("development", {"MAIL_BACKEND": "memory"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg2://u@db/shop"


def test_defaults_are_safe(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "CORS_ALLOWED_ORIGINS", "KASTOMA_ENV"):
        monkeypatch.delenv(name, raising=False)
    config = load_config()
    assert config.ENV_NAME == "development"
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///") and "instance" in config.SQLALCHEMY_DATABASE_URI
    assert config.CORS_ALLOWED_ORIGINS == [] and config.REDIS_URL == ""
    assert config.JWT_ACCESS_TOKEN_LIFETIME == 15 and config.JWT_REFRESH_TOKEN_LIFETIME == 7


def test_bad_values_are_rejected(monkeypatch):
    monkeypatch.setenv("JWT_ACCESS_TOKEN_LIFETIME", "soon")
    with pytest.raises(RuntimeError, match="JWT_ACCESS_TOKEN_LIFETIME"):
        load_config("development")
    monkeypatch.delenv("JWT_ACCESS_TOKEN_LIFETIME")
    with pytest.raises(RuntimeError, match="KASTOMA_ENV"):
        load_config("staging")


def test_production_refuses_default_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production")
    monkeypatch.setenv("SECRET_KEY", DEFAULT_SECRET_KEY)
    monkeypatch.setenv("JWT_SECRET_KEY", STRONG)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError):
        load_config("production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    with pytest.raises(RuntimeError, match="PAYMENT_WEBHOOK_SECRET"):
        load_config("production")
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", STRONG)
    config = load_config("production")
    assert config.MAIL_BACKEND == "smtp" and config.DEBUG is False


def test_production_turns_on_hsts_for_https(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("JWT_SECRET_KEY", STRONG)
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", STRONG)
    monkeypatch.setenv("PREFERRED_URL_SCHEME", "https")
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    r = app.test_client().get("/health/live/")
    assert "max-age=" in r.headers["Strict-Transport-Security"]
    plain = create_app("testing", {"PREFERRED_URL_SCHEME": "http"}).test_client().get("/health/live/")
    assert "Strict-Transport-Security" not in plain.headers


def test_two_apps_in_one_process(app, tmp_path_factory):
    other = make_test_app(tmp_path_factory, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    third = make_test_app(tmp_path_factory, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert other is not app and other.extensions["flask-smorest"] is not app.extensions["flask-smorest"]
    for each in (app, other, third):
        client = each.test_client()
        assert client.get("/health/live/").status_code == 200
        assert "/api/v1/core/settings/" in client.get("/api/schema/").get_json()["paths"]
    assert other.test_client().get("/api/v1/core/settings/").status_code == 200
    with third.app_context():
        assert db.engine.url.database in (None, "")
    with app.app_context():
        assert db.engine.url.database


def test_gunicorn_starts_one_worker_without_a_shared_cache(monkeypatch):
    """Workers see each other's catalogue and settings writes through Redis only."""
    import importlib
    import multiprocessing

    from kastoma import gunicorn_conf

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert importlib.reload(gunicorn_conf).workers == 1
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert importlib.reload(gunicorn_conf).workers == min(multiprocessing.cpu_count() + 1, 8)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert importlib.reload(gunicorn_conf).workers == 3
