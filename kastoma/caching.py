"""Cache access that degrades to a miss: a Redis outage never fails a request, and a stalled
Redis slows few of them (the circuit breaker of kastoma/breaker.py)."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from kastoma.breaker import Breaker
from kastoma.extensions import cache

T = TypeVar("T")

log = logging.getLogger("kastoma.cache")

# redis-py's errors, without importing redis when it is not used.
_CACHE_ERRORS: tuple[type[Exception], ...] = (OSError,)
try:
    import redis.exceptions

    _CACHE_ERRORS = (OSError, redis.exceptions.RedisError)
except ImportError:  # pragma: no cover - redis is a pinned dependency
    pass


# An entry that cannot be unpickled (written by another release, say) is a miss too; cachelib
# itself only turns pickle's own errors into misses.
_UNREADABLE = (pickle.UnpicklingError, AttributeError, ImportError, EOFError, TypeError, ValueError)


def _call(operation: str, run: Callable[[], T], fallback: T, unreadable_is_miss: bool = False) -> T:
    breaker: Breaker = current_app.extensions["kastoma_redis_breaker"]
    if not breaker.closed():
        return fallback
    try:
        return run()
    except _CACHE_ERRORS as exc:
        breaker.trip()
        log.warning("cache %s failed: %s; skipping the cache for %s s", operation, type(exc).__name__, breaker.cooldown)
        return fallback
    except _UNREADABLE as exc:
        if not unreadable_is_miss:
            raise
        log.warning("cache %s failed: %s", operation, type(exc).__name__)
        return fallback


def cache_get(key: str) -> Any:
    return _call("get", lambda: cache.get(key), None, unreadable_is_miss=True)


def cache_get_many(*keys: str) -> list[Any]:
    """Several keys in one round trip (Redis MGET)."""
    return _call("get", lambda: list(cache.get_many(*keys)), [None] * len(keys), unreadable_is_miss=True)


def cache_set(key: str, value: Any, timeout: int | None = None) -> None:
    _call("set", lambda: cache.set(key, value, timeout=timeout), None)


def cache_incr(key: str) -> int | None:
    """Atomically increment a counter (used for namespace versions); None when unavailable."""

    def incr() -> int | None:
        value = cache.cache.inc(key)  # the backend's atomic INCR (flask-caching's Cache has no inc)
        return int(value) if value is not None else None

    return _call("incr", incr, None)
