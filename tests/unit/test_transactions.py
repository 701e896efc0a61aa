"""After-commit work (kastoma/transactions.py) and the jobs it starts (kastoma/jobs.py): a
rolled-back change starts nothing, a committed one starts each thing once."""

from __future__ import annotations

import threading
import uuid

import pytest

from kastoma import jobs
from kastoma.extensions import db
from kastoma.transactions import on_commit
from kastoma.users.models import User


@pytest.fixture
def calls():
    return []


def test_a_callback_runs_once_after_the_commit(customer, calls):
    customer.first_name = "Changed"
    on_commit(lambda: calls.append(db.session.get(User, customer.id).first_name))
    assert calls == []
    db.session.commit()
    assert calls == ["Changed"], "it runs after the commit, and may read what was written"
    db.session.commit()
    assert calls == ["Changed"]


def test_a_rollback_drops_the_callbacks(customer, calls):
    customer.first_name = "Changed"
    on_commit(lambda: calls.append("sent"))
    db.session.rollback()
    db.session.commit()
    assert calls == []


def test_a_savepoint_waits_for_the_outer_transaction(customer, calls):
    customer.first_name = "Outer"
    with db.session.begin_nested():
        on_commit(lambda: calls.append("inside"))
    assert calls == [], "releasing a savepoint commits nothing yet"
    db.session.commit()
    assert calls == ["inside"]


def test_outside_a_transaction_it_runs_at_once(calls):
    db.session.commit()
    on_commit(lambda: calls.append("now"))
    assert calls == ["now"]


def test_a_failing_callback_does_not_stop_the_others(customer, calls, caplog):
    customer.first_name = "X"
    on_commit(lambda: 1 / 0)
    on_commit(lambda: calls.append("second"))
    db.session.commit()
    assert calls == ["second"] and "after-commit callback failed" in caplog.text


def test_order_mails_wait_for_the_commit(client, customer, make_product, place_order, outbox, monkeypatch):
    """A checkout that fails after queueing its mail sends nothing; a committed one sends one."""
    from kastoma.orders import checkout

    product = make_product(stock=5)

    def placed_then_failed(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("the database went away before the commit")

    real = checkout.build_order
    monkeypatch.setattr(checkout, "build_order", placed_then_failed)
    with pytest.raises(RuntimeError):
        place_order(customer, product)
    assert outbox == []
    monkeypatch.setattr(checkout, "build_order", real)
    assert place_order(customer, product).status_code == 201
    assert len(outbox) == 1 and "order" in outbox[0].subject.lower()


def test_the_thread_backend_runs_jobs_after_the_request_in_their_own_context(app, customer):
    seen = []
    done = threading.Event()

    @jobs.job("tests.record")
    def record(user_id: str) -> None:
        seen.append((db.session.get(User, uuid.UUID(user_id)).username, threading.current_thread().name))
        done.set()

    backend = jobs.ThreadBackend(app)
    backend.submit("tests.record", {"user_id": str(customer.id)}, None)
    assert done.wait(10)
    backend.wait()
    assert seen == [(customer.username, "kastoma-jobs")]


def test_jobs_take_json_arguments_only(app, customer):
    with pytest.raises(TypeError):
        jobs.enqueue("orders.email", order_id=customer.id, event="placed")
