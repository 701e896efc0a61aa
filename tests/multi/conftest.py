"""Two gunicorn instances on different loopback ports sharing one PostgreSQL database and Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import (  # noqa: F401 - fixtures
    RedisTarget,
    Server,
    database_url,
    gunicorn_servers,
    server_database,
    server_environment,
    server_redis,
    server_tokens,
    tag,
)

LOGIN_LIMIT = 4


@pytest.fixture
def instances(server_database: str, server_redis: RedisTarget, tmp_path) -> Iterator[list[Server]]:  # noqa: F811
    """Two instances, two workers each, with login rate limiting on (LOGIN_LIMIT a minute)."""
    env = server_environment(
        database_url(server_database, application_name=tag()),
        redis_url=server_redis.url(),
        cache_prefix=server_redis.prefix,
        RATELIMIT_ENABLED="true",
        RATELIMIT_LOGIN=f"{LOGIN_LIMIT}/minute",
    )
    with gunicorn_servers(env, env, log_dir=tmp_path) as servers:
        yield servers
