"""Redis goes away (connections refused) or pauses (accepts, never answers) under a running
gunicorn: the catalogue is read from the database, revocations hold (they live in the database),
login rate limits count in process memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED), nothing is a 500."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.faults.proxy import Proxy
from tests.fixtures.orders import ADDRESS
from tests.live import Result
from tests.servers import CUT, RedisTarget, Server, attempt, database_url, gunicorn_server, server_environment, tag

pytestmark = [pytest.mark.faults, pytest.mark.committing, pytest.mark.usefixtures("server_tokens")]

LOGIN = "/api/v1/auth/login/"
ME = "/api/v1/users/me/"
# A paused Redis costs each cache call its 1 s socket timeout (and the limiter's storage its
# 5 s): slow, but every request must still be answered well before gunicorn's 30 s timeout.
PATIENCE = 25


class Calls:
    """Every call of a scenario, so the test can assert that none was a 5xx."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.made: list[tuple[str, str, Result]] = []

    def __call__(self, method: str, path: str, **kwargs) -> Result:
        result = attempt(self.base, method, path, timeout=PATIENCE, **kwargs)
        self.made.append((method, path, result))
        return result

    def assert_no_server_error(self) -> None:
        failed = [(m, p, r.status) for m, p, r in self.made if r.status >= 500 or r.status == CUT]
        assert not failed


def behind_proxy(server_database: str, server_redis: RedisTarget, redis_proxy: Proxy, **settings) -> dict[str, str]:
    """The environment of one gunicorn (one worker: in-memory rate-limit counts are per process)
    whose Redis is behind `redis_proxy`, rate limits on."""
    return server_environment(
        database_url(server_database, application_name=tag()),
        redis_url=server_redis.url(port=redis_proxy.port),
        cache_prefix=server_redis.prefix,
        WEB_CONCURRENCY=1,
        RATELIMIT_ENABLED="true",
        **settings,
    )


@pytest.fixture
def shop(server_database, server_redis: RedisTarget, redis_proxy: Proxy, tmp_path) -> Iterator[Server]:
    """Login limited to 3 attempts a minute."""
    env = behind_proxy(server_database, server_redis, redis_proxy, RATELIMIT_LOGIN="3/minute")
    with gunicorn_server(env, tmp_path) as server:
        yield server


def product_name(call: Calls, product) -> str:
    result = call("GET", f"/api/v1/products/{product.id}/")
    assert result.status == 200, result.body
    return result.body["data"]["name"]


def test_redis_down(shop, redis_proxy, make_user, tokens_for, auth_headers, make_product):
    call = Calls(shop.base)
    staff = auth_headers(make_user("staff"))
    early, late = (tokens_for(make_user()) for _ in range(2))
    product = make_product("Lamp before", stock=5)
    assert product_name(call, product) == "Lamp before"  # now cached in Redis
    logout = call("POST", "/api/v1/auth/logout/", headers=bearer(early), body={"refresh": early["refresh"]})
    assert logout.status == 200

    redis_proxy.down()
    detailed = call("GET", "/health/detailed/")
    assert detailed.status == 200 and detailed.body["status"] == "degraded"
    assert detailed.body["checks"]["cache"]["status"] == "down"
    assert call("GET", "/health/ready/").status == 200

    assert product_name(call, product) == "Lamp before"
    listed = call("GET", "/api/v1/products/?search=lamp")
    assert listed.status == 200 and [p["id"] for p in listed.body["data"]] == [str(product.id)]

    assert_revocation_holds(call, early, late)

    patched = call("PATCH", f"/api/v1/products/{product.id}/", headers=staff, body={"name": "Lamp after"})
    assert patched.status == 200
    assert product_name(call, product) == "Lamp after"

    # The documented fallback: each process counts in its own memory, the limit still holds.
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    logins = [call("POST", LOGIN, body={"email": email, "password": "Wrong-Password-1"}) for _ in range(4)]
    assert [r.status for r in logins] == [401, 401, 401, 429]
    assert logins[-1].body["code"] == "rate_limited"

    redis_proxy.up()
    assert product_name(call, product) == "Lamp after", "a write made during the outage is not hidden by the cache"
    healthy = call("GET", "/health/detailed/")
    assert healthy.status == 200 and healthy.body["checks"]["cache"]["status"] == "up"
    call.assert_no_server_error()


def test_redis_paused(shop, redis_proxy, make_user, tokens_for, make_product):
    call = Calls(shop.base)
    early, late = (tokens_for(make_user()) for _ in range(2))
    product = make_product("Kettle", stock=5)
    assert product_name(call, product) == "Kettle"
    assert call("POST", "/api/v1/auth/logout/", headers=bearer(early), body={}).status == 200

    redis_proxy.stall()
    detailed = call("GET", "/health/detailed/")
    assert detailed.status == 200 and detailed.body["checks"]["cache"]["status"] == "down"
    assert product_name(call, product) == "Kettle"
    listed = call("GET", "/api/v1/products/?search=kettle")
    assert listed.status == 200 and listed.body["pagination"]["count"] == 1
    assert_revocation_holds(call, early, late)
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    assert call("POST", LOGIN, body={"email": email, "password": "Wrong-Password-1"}).status == 401

    redis_proxy.up()
    assert product_name(call, product) == "Kettle"
    call.assert_no_server_error()


def test_a_stalled_redis_costs_one_timeout_per_interval(
    server_database, server_redis, redis_proxy, tmp_path, make_user, auth_headers, make_product
):
    """Issue 17, item 16: with Redis paused, each request used to wait out every one of its
    Redis calls (list 7-8 s, checkout 9 s). The process's breaker skips Redis after the first
    timeout, for the cache and the rate limiter alike, until REDIS_BREAKER_SECONDS have passed."""
    env = behind_proxy(server_database, server_redis, redis_proxy, REDIS_BREAKER_SECONDS=60)
    headers = auth_headers(make_user())
    product = make_product("Teapot", price="20.00", stock=50)
    add = {"product_id": str(product.id)}
    checkout = {"shipping_address": ADDRESS, "payment_method": "cash_on_delivery"}
    journey = [
        ("GET", "/api/v1/products/?page_size=5", {}),
        ("GET", f"/api/v1/products/{product.slug}/", {}),
        ("POST", LOGIN, {"body": {"email": "nobody@example.com", "password": "Wrong-Password-1"}}),
        ("POST", "/api/v1/cart/add_item/", {"headers": headers, "body": add}),
        ("GET", "/api/v1/cart/", {"headers": headers}),
        ("POST", "/api/v1/orders/", {"headers": headers, "body": checkout}),
    ]
    with gunicorn_server(env, tmp_path) as server:
        call = Calls(server.base)
        for method, path, kwargs in journey:
            call(method, path, **kwargs)  # warm: connections to Redis are open and pooled
        redis_proxy.stall()
        timings = []
        for method, path, kwargs in journey * 2:
            started = time.monotonic()
            call(method, path, **kwargs)
            timings.append(time.monotonic() - started)
        redis_proxy.up()
    call.assert_no_server_error()
    assert [r.status for _, _, r in call.made[-12:]] == [200, 200, 401, 200, 200, 201] * 2
    # The first request meets the stall once (a 1 s socket timeout); nothing after it waits.
    assert timings[0] < 2.5, timings
    assert max(timings[1:]) < 0.5, timings


def bearer(tokens: dict) -> dict:
    return {"Authorization": f"Bearer {tokens['access']}"}


def assert_revocation_holds(call: Calls, early: dict, late: dict) -> None:
    """`early` logged out before the outage, `late` logs out during it: both stay refused."""
    refused = call("GET", ME, headers=bearer(early))
    assert (refused.status, refused.body["code"]) == (401, "token_revoked")
    assert call("GET", ME, headers=bearer(late)).status == 200
    assert call("POST", "/api/v1/auth/logout/", headers=bearer(late), body={"refresh": late["refresh"]}).status == 200
    refused = call("GET", ME, headers=bearer(late))
    assert (refused.status, refused.body["code"]) == (401, "token_revoked")
    refreshed = call("POST", "/api/v1/auth/refresh/", body={"refresh": late["refresh"]})
    assert (refreshed.status, refreshed.body["code"]) == (401, "token_revoked")
