"""Scale-out: two gunicorn instances behind one PostgreSQL and one Redis behave as one shop.

Logouts, catalogue invalidation, rate-limit counts, stock and Idempotency-Keys are shared; a
process-local cache, limiter or lock would make one of these tests fail.
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from sqlalchemy import update

from kastoma.extensions import db
from kastoma.products.models import Product
from tests.faults.consistency import assert_orders_whole
from tests.fixtures.orders import assert_no_oversell, checkout_call, sold
from tests.live import in_parallel, request
from tests.multi.conftest import LOGIN_LIMIT

pytestmark = [pytest.mark.multi, pytest.mark.committing, pytest.mark.usefixtures("server_tokens")]

ME = "/api/v1/users/me/"


def on(server, call: dict) -> dict:
    """`call` (tests.live.in_parallel form) aimed at `server`; in_parallel then gets base ''."""
    return {**call, "path": server.base + call["path"]}


def test_a_logout_on_one_instance_is_refused_on_the_other(instances, make_user, tokens_for):
    one, two = instances
    tokens = tokens_for(make_user())
    headers = {"Authorization": f"Bearer {tokens['access']}"}
    assert request(two.base, "GET", ME, headers=headers).status == 200

    logout = request(one.base, "POST", "/api/v1/auth/logout/", headers=headers, body={"refresh": tokens["refresh"]})
    assert logout.status == 200

    for _ in range(4):  # whichever worker of instance 2 answers
        refused = request(two.base, "GET", ME, headers=headers)
        assert (refused.status, refused.body["code"]) == (401, "token_revoked")
    refreshed = request(two.base, "POST", "/api/v1/auth/refresh/", body={"refresh": tokens["refresh"]})
    assert (refreshed.status, refreshed.body["code"]) == (401, "token_revoked")


def test_a_catalogue_write_on_one_instance_is_read_on_the_other(instances, make_user, auth_headers, make_product):
    one, two = instances
    product = make_product("Teapot", price="30.00", stock=3)
    detail, listing = f"/api/v1/products/{product.id}/", "/api/v1/products/?search=teapot"

    def read_on_two() -> tuple[set[str], set[str]]:
        """(names, list prices) instance 2 answers, over enough reads to reach both workers."""
        reads = [(request(two.base, "GET", detail), request(two.base, "GET", listing)) for _ in range(4)]
        return {d.body["data"]["name"] for d, _ in reads}, {lst.body["data"][0]["price"] for _, lst in reads}

    assert read_on_two() == ({"Teapot"}, {"30.00"})
    # Changed behind the servers' backs (no invalidation): instance 2 keeps answering from the cache.
    db.session.execute(update(Product).where(Product.id == product.id).values(name="Teapot (uncached)"))
    db.session.commit()
    assert read_on_two() == ({"Teapot"}, {"30.00"}), "the reads are cached"

    staff = auth_headers(make_user("staff"))
    patched = request(one.base, "PATCH", detail, headers=staff, body={"name": "Blue teapot", "price": "25.00"})
    assert patched.status == 200
    assert read_on_two() == ({"Blue teapot"}, {"25.00"})


def test_rate_limits_are_counted_across_instances(instances):
    body = {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "Wrong-Password-1"}
    login = "/api/v1/auth/login/"
    attempts = [request(instances[n % 2].base, "POST", login, body=body) for n in range(LOGIN_LIMIT + 2)]
    assert [r.status for r in attempts] == [401] * LOGIN_LIMIT + [429, 429]
    assert {r.body["code"] for r in attempts[LOGIN_LIMIT:]} == {"rate_limited"}


def test_checkouts_spread_over_both_instances_never_oversell(instances, shoppers, make_product):
    product = make_product(stock=10)
    calls = [on(instances[n % 2], checkout_call(h, [(product, 1)])) for n, h in enumerate(shoppers)]
    results = in_parallel("", calls)
    assert_no_oversell(Counter(r.status for r in results), sold(product))
    assert_orders_whole({product.id: 10})


def test_one_idempotency_key_sent_to_both_instances_makes_one_order(instances, make_user, auth_headers, make_product):
    product = make_product(stock=100)
    call = checkout_call({**auth_headers(make_user()), "Idempotency-Key": "double-click"}, [(product, 1)])
    results = in_parallel("", [on(instances[n % 2], call) for n in range(10)])
    statuses = Counter(r.status for r in results)
    assert set(statuses) <= {201, 409} and statuses[201] >= 1, statuses
    assert {r.body["code"] for r in results if r.status == 409} <= {"idempotency_in_flight"}
    ids = {r.body["data"]["id"] for r in results if r.status == 201}
    assert len(ids) == 1

    for server in instances:  # a later retry anywhere replays the same order
        replay = request("", **on(server, call))
        assert (replay.status, replay.body["data"]["id"]) == (201, *ids)
    assert sold(product)[:2] == (1, 1)
    assert_orders_whole({product.id: 100})
