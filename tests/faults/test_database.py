"""PostgreSQL goes away under a running gunicorn, then comes back: probes and API answer 503
(never 500) during the outage, and the same processes serve again afterwards (pool_pre_ping)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, text

from kastoma.errors import HTTP_MESSAGES
from kastoma.extensions import db
from kastoma.orders.models import Order
from kastoma.products.models import Product
from tests.faults.backends import app_backends, row_locked, wait_for_lock_waiters
from tests.fixtures.orders import checkout_call
from tests.live import Result
from tests.servers import attempt, burst, database_url, gunicorn_server, results, server_environment, tag

pytestmark = [pytest.mark.faults, pytest.mark.committing, pytest.mark.usefixtures("server_tokens")]

UNAVAILABLE = {
    "success": False,
    "data": None,
    "message": HTTP_MESSAGES[503],
    "errors": None,
    "code": "service_unavailable",
}


def timed(base: str, method: str, path: str, **kwargs) -> tuple[Result, float]:
    started = time.monotonic()
    result = attempt(base, method, path, **kwargs)
    return result, time.monotonic() - started


def assert_database_down(base: str, headers: dict, order_call: dict) -> None:
    live = attempt(base, "GET", "/health/live/")
    assert live.status == 200 and live.body["status"] == "alive"
    for probe in ("/health/ready/", "/health/detailed/"):
        result, seconds = timed(base, "GET", probe)
        assert result.status == 503, (probe, result)
        assert result.body["checks"]["database"]["status"] == "down"
        assert seconds < 3, f"{probe} took {seconds:.1f} s"
    detailed = attempt(base, "GET", "/health/detailed/")
    assert detailed.body["status"] == "degraded"
    calls = [
        {"method": "GET", "path": "/api/v1/users/me/", "headers": headers},
        {"method": "GET", "path": "/api/v1/products/?search=outage"},
        order_call,
    ] * 2
    for call in calls:
        result, seconds = timed(base, **call)
        assert (result.status, result.body) == (503, UNAVAILABLE), call["path"]
        assert seconds < 3, f"{call['method']} {call['path']} took {seconds:.1f} s"


def assert_serving(base: str, headers: dict, order_call: dict) -> str:
    """Every call succeeds (no 5xx at all); returns the id of the order it placed."""
    ready = attempt(base, "GET", "/health/ready/")
    assert ready.status == 200 and ready.body["status"] == "ready"
    reads = [attempt(base, "GET", "/api/v1/users/me/", headers=headers) for _ in range(6)]
    reads += [attempt(base, "GET", "/api/v1/products/?search=recovered") for _ in range(4)]
    assert [r.status for r in reads] == [200] * 10
    order = attempt(base, **order_call)
    assert order.status == 201, order.body
    return order.body["data"]["id"]


def test_database_outage_and_recovery(server_database, pg_proxy, tmp_path, make_user, auth_headers, make_product):
    customer = make_user()
    headers = auth_headers(customer)
    product = make_product(stock=10)
    order_call = checkout_call(headers, [(product, 1)])
    name = tag()
    pg_proxy.down()  # the app starts with its database unreachable
    env = server_environment(database_url(server_database, application_name=name, port=pg_proxy.port))
    answered = []
    with gunicorn_server(env, tmp_path) as server:
        for _ in range(2):  # the second outage cuts the connections pooled by the running workers
            assert_database_down(server.base, headers, order_call)
            pg_proxy.up()
            answered += checkout_on_both_workers(server.base, name, product, order_call)
            answered.append(assert_serving(server.base, headers, order_call))
            pg_proxy.down()

    db.session.expire_all()
    placed = db.session.scalars(select(Order.id).where(Order.user_id == customer.id)).all()
    assert sorted(str(i) for i in placed) == sorted(answered), "the checkouts refused with 503 left nothing behind"
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 10 - 6


def test_killed_database_connections_are_replaced(server_database, tmp_path, make_user, auth_headers, make_product):
    """pg_terminate_backend on every connection of the app: the next requests still succeed."""
    headers = auth_headers(make_user())
    product = make_product(stock=10)
    order_call = checkout_call(headers, [(product, 1)])
    name = tag()
    env = server_environment(database_url(server_database, application_name=name))
    with gunicorn_server(env, tmp_path) as server:
        checkout_on_both_workers(server.base, name, product, order_call)
        assert_serving(server.base, headers, order_call)  # listings: the autocommit pool too
        before = app_backends(name)
        # Both workers' session connections, and the listings' pool of one or both of them.
        assert 3 <= len(before) <= 4
        killed = db.session.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": before}
        ).scalars()
        assert list(killed) == [True] * len(before)
        db.session.commit()

        checkout_on_both_workers(server.base, name, product, order_call)
        assert_serving(server.base, headers, order_call)
        after = app_backends(name)
        assert 3 <= len(after) <= 4 and not set(after) & set(before), "every connection was replaced"


def checkout_on_both_workers(base: str, name: str, product, order_call: dict) -> list[str]:
    """Two checkouts held together on the product's row lock, so each worker serves one (with its
    pooled connection); returns the order ids."""
    with row_locked(product) as release, burst([{"base": base, **order_call}] * 2) as futures:
        wait_for_lock_waiters(name, 2, futures)
        release()
    outcomes = results(futures)
    assert [r.status for r in outcomes] == [201, 201]
    return [r.body["data"]["id"] for r in outcomes]
