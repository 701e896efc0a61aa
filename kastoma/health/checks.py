"""The individual dependency checks behind the health endpoints; none ever raises."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from kastoma.extensions import cache, db

log = logging.getLogger("kastoma.health")


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:
        # The reason goes to the log only: bodies never carry exception text.
        log.warning("health check %s failed: %s", check.__name__, type(exc).__name__)
        db.session.rollback()
        result = {"status": "down"}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return result


def _database() -> dict[str, Any]:
    db.session.execute(text("SELECT 1"))
    return {"status": "up", "backend": db.engine.dialect.name}


def _cache() -> dict[str, Any]:
    key, value = "health:probe", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    ok = cache.get(key) == value
    backend = "redis" if current_app.config.get("CACHE_TYPE") == "RedisCache" else "memory"
    return {"status": "up" if ok else "down", "backend": backend}


def script_heads() -> set[str]:
    """Revisions the code expects, read once per app from the migrations directory."""
    heads = current_app.extensions.get("kastoma_migration_heads")
    if heads is None:
        config = AlembicConfig()
        config.set_main_option("script_location", current_app.extensions["migrate"].directory)
        heads = set(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["kastoma_migration_heads"] = heads
    return heads


def _migrations() -> dict[str, Any]:
    applied = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    expected = script_heads()
    pending = applied != expected
    return {"status": "pending" if pending else "up", "current": sorted(applied), "head": sorted(expected)}


def check_database() -> dict[str, Any]:
    return _timed(_database)


def check_cache() -> dict[str, Any]:
    return _timed(_cache)


def check_migrations() -> dict[str, Any]:
    return _timed(_migrations)
