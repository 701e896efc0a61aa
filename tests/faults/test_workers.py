"""Workers die or are stopped in the middle of checkouts: no order is half-written, no client is
told a lie, and a graceful stop lets the requests in flight finish.

Each scenario takes the row lock of a product before the burst starts, so both workers are
certainly inside a checkout transaction (waiting on that lock) when the signal arrives.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kastoma.core.models import EmailTemplate
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.orders.idempotency import STALE_AFTER
from kastoma.orders.models import IdempotencyKey
from kastoma.products.models import Product
from tests.faults.backends import row_locked, table_locked, wait_for_lock_waiters
from tests.faults.consistency import assert_orders_whole
from tests.fixtures.orders import checkout_call
from tests.servers import (
    CUT,
    attempt,
    burst,
    database_url,
    gunicorn_server,
    results,
    server_environment,
    tag,
)

pytestmark = [pytest.mark.faults, pytest.mark.committing, pytest.mark.usefixtures("server_tokens")]


def test_worker_killed_mid_checkout(server_database, tmp_path, make_user, auth_headers, make_product):
    shoppers = [auth_headers(make_user()) for _ in range(40)]
    lamp, mug = make_product(price="19.99", stock=100), make_product(price="7.45", stock=200)
    name = tag()
    env = server_environment(database_url(server_database, application_name=name))
    with gunicorn_server(env, tmp_path) as server:
        calls = [
            {"base": server.base, **checkout_call({**h, "Idempotency-Key": f"k-{n}"}, [(lamp, 1), (mug, 1 + n % 3)])}
            for n, h in enumerate(shoppers)
        ]
        with row_locked(lamp) as release, burst(calls) as futures:
            wait_for_lock_waiters(name, 2, futures)
            victim, survivor = server.workers()
            os.kill(victim, signal.SIGKILL)
            server.wait_for_workers(2, excluding=(victim,), busy=(survivor,))
            release()
        outcomes = results(futures)

        assert Counter(r.status for r in outcomes) == {201: 39, CUT: 1}, "only the killed worker's client is cut off"
        cut = next(n for n, r in enumerate(outcomes) if r.status == CUT)
        # Its key is still claimed by the dead request: a retry is told so, and creates nothing.
        again = attempt(**calls[cut])
        assert (again.status, again.body["code"]) == (409, "idempotency_in_flight")
        fresh = attempt(**{**calls[cut], "headers": {**calls[cut]["headers"], "Idempotency-Key": "k-retry"}})
        assert fresh.status == 201
        assert attempt(server.base, "GET", "/health/ready/").status == 200

    orders = assert_orders_whole({lamp.id: 100, mug.id: 200})
    received = {r.body["data"]["id"] for r in outcomes if r.status == 201} | {fresh.body["data"]["id"]}
    assert {str(o.id) for o in orders} == received, "every order was answered, every answer is an order"


def test_worker_killed_between_commit_and_answer(server_database, tmp_path, make_user, auth_headers, make_product):
    """The order is committed, then the worker dies before answering (the client sees a cut
    connection): retrying with the same Idempotency-Key must give the client that order, never
    a second one. The order confirmation is read from email_templates after the commit (never
    before it): locking that table holds the worker exactly there. The mail is a job, run here
    in the request right after the commit (JOBS_BACKEND=eager), so the worker dies in between."""
    customer = make_user()
    lamp = make_product(price="19.99", stock=10)
    name = tag()
    env = server_environment(
        database_url(server_database, application_name=name), WEB_CONCURRENCY=1, JOBS_BACKEND="eager"
    )
    with gunicorn_server(env, tmp_path) as server:
        headers = {**auth_headers(customer), "Idempotency-Key": "crash"}
        call = {"base": server.base, **checkout_call(headers, [(lamp, 1)])}
        with table_locked(EmailTemplate) as release, burst([call]) as futures:
            wait_for_lock_waiters(name, 1, futures, table=EmailTemplate.__tablename__)
            (worker,) = server.workers()
            os.kill(worker, signal.SIGKILL)
            release()
            server.wait_for_workers(1, excluding=(worker,))
        assert results(futures)[0].status == CUT

        (order,) = assert_orders_whole({lamp.id: 10})
        again = attempt(**call)  # at once: still in flight, or (better) the order replayed
        if again.status == 201:
            assert again.body["data"]["id"] == str(order.id)
        else:
            assert (again.status, again.body["code"]) == (409, "idempotency_in_flight")
        # STALE_AFTER later the dead request's claim may be taken over: by replaying its order.
        db.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.user_id == customer.id)
            .values(created_at=utcnow() - STALE_AFTER - timedelta(minutes=1))
        )
        db.session.commit()
        retry = attempt(**call)
        assert (retry.status, retry.body["data"]["id"]) == (201, str(order.id)), retry.body

    assert [str(o.id) for o in assert_orders_whole({lamp.id: 10})] == [str(order.id)]


def test_sigterm_lets_in_flight_checkouts_finish(server_database, tmp_path, make_user, auth_headers, make_product):
    shoppers = [auth_headers(make_user()) for _ in range(10)]
    lamp = make_product(price="19.99", stock=20)
    name = tag()
    env = server_environment(database_url(server_database, application_name=name))
    with gunicorn_server(env, tmp_path) as server:
        calls = [{"base": server.base, **checkout_call(h, [(lamp, 1)])} for h in shoppers]
        with row_locked(lamp) as release, burst(calls) as futures:
            wait_for_lock_waiters(name, 2, futures)
            server.process.send_signal(signal.SIGTERM)
            time.sleep(1)
            assert server.process.poll() is None, "the master waits for its busy workers"
            release()
            assert server.process.wait(timeout=30) == 0
        outcomes = results(futures)

    statuses = Counter(r.status for r in outcomes)
    assert statuses == {201: 2, CUT: 8}, statuses
    orders = assert_orders_whole({lamp.id: 20})
    assert {str(o.id) for o in orders} == {r.body["data"]["id"] for r in outcomes if r.status == 201}
    db.session.expire_all()
    assert db.session.scalar(select(Product.stock).where(Product.id == lamp.id)) == 18
