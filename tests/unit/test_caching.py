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
