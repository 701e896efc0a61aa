"""The cache degrades to a miss: an outage or an entry that cannot be read never fails a request."""

from __future__ import annotations

import pytest

from kastoma.caching import cache_get, cache_get_many, cache_set
from kastoma.extensions import cache


@pytest.mark.parametrize("error", [ModuleNotFoundError("No module named 'kastoma.gone'"), AttributeError("Gone")])
def test_an_entry_written_by_another_release_is_a_miss(app, monkeypatch, error):
    cache_set("kastoma-test:entry", ("a", 1))
    assert cache_get("kastoma-test:entry") == ("a", 1)

    def unreadable(_data):
        raise error  # what unpickling a class that was moved or renamed raises

    monkeypatch.setattr(cache.cache.serializer, "loads", unreadable)
    assert cache_get("kastoma-test:entry") is None
    assert cache_get_many("kastoma-test:entry", "kastoma-test:other") == [None, None]


def test_a_failing_redis_is_skipped_for_a_while_then_tried_again(app, monkeypatch):
    """Issue 17, item 16: one timeout per process per REDIS_BREAKER_SECONDS, not one per call."""
    from kastoma import breaker

    calls = []
    now = [1000.0]
    monkeypatch.setattr(breaker.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(app.extensions["kastoma_redis_breaker"], "open_until", 0.0)

    def stalled(*args, **kwargs):
        calls.append(args)
        raise TimeoutError("timed out")  # what a read from a stalled Redis raises (an OSError)

    for name in ("get", "get_many", "set"):
        monkeypatch.setattr(cache, name, stalled)
    assert cache_get("k") is None
    assert len(calls) == 1
    for _ in range(20):  # within the interval: no call reaches Redis
        assert cache_get("k") is None and cache_get_many("a", "b") == [None, None]
        cache_set("k", 1)
    assert len(calls) == 1
    now[0] += app.config["REDIS_BREAKER_SECONDS"]
    assert cache_get("k") is None and len(calls) == 2, "tried again once the interval has passed"
    monkeypatch.setattr(cache, "get", lambda key: "back")
    now[0] += app.config["REDIS_BREAKER_SECONDS"]
    assert [cache_get("k") for _ in range(3)] == ["back"] * 3, "an answer closes the breaker"
