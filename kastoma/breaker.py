"""The circuit breaker between a process and Redis, shared by the cache and the rate limiter.

Each call to a stalled Redis waits out its socket timeout (1 s), and a request makes several (the
catalogue's version and body, the rate limiter's counters). After a failure the breaker opens for
REDIS_BREAKER_SECONDS: the cache is skipped (reads miss, writes are dropped) and the limiter
counts in process memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) without trying Redis; then the
next call tries again and closes it if Redis answers. A stalled Redis so costs each process one
timeout per interval, not one per call.
"""

from __future__ import annotations

import time
from typing import Any

from limits.storage import RedisStorage


class Breaker:
    """Open for `cooldown` seconds after a failure; one per app, shared by its threads."""

    def __init__(self, cooldown: float) -> None:
        self.cooldown = cooldown
        self.open_until = 0.0

    def closed(self) -> bool:
        return time.monotonic() >= self.open_until

    def trip(self) -> None:
        self.open_until = time.monotonic() + self.cooldown

    def reset(self) -> None:
        self.open_until = 0.0


class GuardedRedisStorage(RedisStorage):
    """The limiter's Redis storage behind the breaker: `kastoma+redis://...` in
    RATELIMIT_STORAGE_URI, the breaker in RATELIMIT_STORAGE_OPTIONS."""

    STORAGE_SCHEME = ["kastoma+redis", "kastoma+rediss"]

    def __init__(self, uri: str, breaker: Breaker, **options: Any) -> None:
        self.breaker = breaker
        super().__init__(uri.removeprefix("kastoma+"), **options)

    def check(self) -> bool:
        if not self.breaker.closed():
            return False
        healthy = super().check()
        if not healthy:
            self.breaker.trip()
        return healthy


def _guarded(name: str) -> Any:
    def call(self: GuardedRedisStorage, *args: Any, **kwargs: Any) -> Any:
        if not self.breaker.closed():
            raise self.dependency.ConnectionError("Redis is skipped after a recent failure")
        try:
            return getattr(RedisStorage, name)(self, *args, **kwargs)
        except self.dependency.RedisError:
            self.breaker.trip()
            raise

    call.__name__ = name
    return call


# Every operation that talks to Redis (fixed, moving and sliding windows alike).
for _name in (
    "incr",
    "get",
    "get_expiry",
    "clear",
    "reset",
    "acquire_entry",
    "get_moving_window",
    "acquire_sliding_window_entry",
    "get_sliding_window",
    "clear_sliding_window",
):
    setattr(GuardedRedisStorage, _name, _guarded(_name))
