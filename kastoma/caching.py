"""Cache access that degrades to a miss: a Redis outage slows requests, it never fails them."""

from __future__ import annotations

import logging
import pickle
from typing import Any

from kastoma.extensions import cache

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


def cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except (*_CACHE_ERRORS, *_UNREADABLE) as exc:
        log.warning("cache get failed: %s", type(exc).__name__)
        return None


def cache_get_many(*keys: str) -> list[Any]:
    """Several keys in one round trip (Redis MGET)."""
    try:
        return list(cache.get_many(*keys))
    except (*_CACHE_ERRORS, *_UNREADABLE) as exc:
        log.warning("cache get failed: %s", type(exc).__name__)
        return [None] * len(keys)


def cache_set(key: str, value: Any, timeout: int | None = None) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except _CACHE_ERRORS as exc:
        log.warning("cache set failed: %s", type(exc).__name__)


def cache_delete(*keys: str) -> None:
    try:
        cache.delete_many(*keys)
    except _CACHE_ERRORS as exc:
        log.warning("cache delete failed: %s", type(exc).__name__)


def cache_incr(key: str) -> int | None:
    """Atomically increment a counter (used for namespace versions); None when unavailable."""
    try:
        value = cache.cache.inc(key)  # the backend's atomic INCR (flask-caching's Cache has no inc)
        return int(value) if value is not None else None
    except _CACHE_ERRORS as exc:
        log.warning("cache incr failed: %s", type(exc).__name__)
        return None
