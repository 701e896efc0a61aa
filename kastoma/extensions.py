"""Flask extensions, created unbound here and bound to each app by `init_extensions`."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_caching import Cache
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import normalise_database_url
from kastoma.breaker import Breaker
from kastoma.models import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
READS_BIND = "reads"  # the autocommit engine of kastoma/reads.py

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
cache = Cache()
cors = CORS()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_extensions(app: Flask) -> None:
    config = app.config
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Fail fast when the database is unreachable, so health checks answer within seconds.
        options = config["SQLALCHEMY_ENGINE_OPTIONS"]
        options.setdefault("connect_args", {}).setdefault("connect_timeout", 2)
        options.setdefault("pool_size", config["DB_POOL_SIZE"])
        options.setdefault("max_overflow", config["DB_MAX_OVERFLOW"])
        options.setdefault("pool_recycle", 1800)
        if config["DB_AUTOCOMMIT_READS"]:
            # No pre-ping here: `read_all` retries a read whose pooled connection turns out dead.
            config.setdefault("SQLALCHEMY_BINDS", {})[READS_BIND] = {
                **options,
                "url": config["SQLALCHEMY_DATABASE_URI"],
                "isolation_level": "AUTOCOMMIT",
                "pool_pre_ping": False,
            }

    config.setdefault("JWT_ACCESS_TOKEN_EXPIRES", timedelta(minutes=config["JWT_ACCESS_TOKEN_LIFETIME"]))
    config.setdefault("JWT_REFRESH_TOKEN_EXPIRES", timedelta(days=config["JWT_REFRESH_TOKEN_LIFETIME"]))
    config.setdefault("JWT_ALGORITHM", "HS256")
    # Bearer tokens in the Authorization header only: no cookies, so no CSRF claim either.
    config.setdefault("JWT_TOKEN_LOCATION", ["headers"])
    config.setdefault("JWT_COOKIE_CSRF_PROTECT", False)
    # Only the configured algorithm is accepted: `alg: none` or a swapped algorithm is rejected.
    config.setdefault("JWT_DECODE_ALGORITHMS", [config["JWT_ALGORITHM"]])

    breaker = app.extensions["kastoma_redis_breaker"] = Breaker(config["REDIS_BREAKER_SECONDS"])
    if config["REDIS_URL"]:
        config.setdefault("CACHE_TYPE", "RedisCache")
        config.setdefault("CACHE_REDIS_URL", config["REDIS_URL"])
        config.setdefault("CACHE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
        # The limiter's storage goes through the cache's breaker, with the same short timeouts.
        config.setdefault("RATELIMIT_STORAGE_URI", f"kastoma+{config['REDIS_URL']}")
        config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1, "breaker": breaker}
        )
    else:
        config.setdefault("CACHE_TYPE", "SimpleCache")
        config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # If Redis is down, count in process memory rather than refusing every request.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    jwt.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)

    if config["SENTRY_DSN"]:
        import sentry_sdk  # optional dependency, only needed when a DSN is configured

        sentry_sdk.init(dsn=config["SENTRY_DSN"], send_default_pii=False)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself so SAVEPOINTs and transactions work as documented
    # (pysqlite's own transaction handling breaks them), and enforce foreign keys.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


def commit_keeping_loaded_state() -> None:
    """Commit without expiring the objects the session holds.

    For a commit at the end of a request's unit of work whose objects are read again right
    after (to send emails, to serialise the response): what they hold is what was just
    written, and expiring them would reload each with its own query.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
