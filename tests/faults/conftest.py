"""Fixtures of the fault-tolerance tests: gunicorn servers, switchable proxies to PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from tests.faults.proxy import Proxy
from tests.servers import RedisTarget, server_database, server_redis, server_tokens  # noqa: F401 - fixtures


@pytest.fixture
def pg_proxy(server_database: str) -> Iterator[Proxy]:  # noqa: F811 - the imported fixture
    url = make_url(server_database)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    yield proxy
    proxy.close()


@pytest.fixture
def redis_proxy(server_redis: RedisTarget) -> Iterator[Proxy]:  # noqa: F811 - the imported fixture
    proxy = Proxy(server_redis.host, server_redis.port)
    yield proxy
    proxy.close()
