"""Sign-ups that confirm their address first (REGISTRATION_EMAIL_CONFIRMATION): the answer never
tells whether an address has an account (issue 17, item 10)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from kastoma.extensions import db
from kastoma.users.models import PendingRegistration, User
from tests.conftest import DEFAULT_PASSWORD

REGISTER = "/api/v1/auth/register/"
CONFIRM = "/api/v1/auth/register/confirm/"


@pytest.fixture
def confirmation(app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_EMAIL_CONFIRMATION", True)


def sign_up(client, email, username):
    body = {"email": email, "username": username, "password": "Sign-Up-Secret-41", "first_name": "Nia"}
    return client.post(REGISTER, json=body)


def code_in(mail) -> str:
    return re.search(r"^\s{4}(\S+)$", mail.body_text, re.MULTILINE).group(1)


def test_a_sign_up_answers_alike_for_a_new_and_a_known_address(client, customer, outbox, confirmation):
    known = sign_up(client, customer.email.upper(), "someone-new")
    new = sign_up(client, "nia@example.com", "nia")
    assert known.status_code == new.status_code == 202
    assert known.get_json() == new.get_json()
    assert "access" not in str(new.get_json())
    warning, link = outbox
    assert warning.to == [customer.email] and "already belongs to your" in warning.body_text
    assert link.to == ["nia@example.com"]
    assert db.session.scalar(select(User).where(User.email == "nia@example.com")) is None, (
        "no account before confirming"
    )
    created = client.post(CONFIRM, json={"token": code_in(link)})
    assert created.status_code == 201, created.get_json()
    data = created.get_json()["data"]
    assert data["user"]["email"] == "nia@example.com" and data["user"]["first_name"] == "Nia"
    me = client.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {data['access']}"})
    assert me.status_code == 200
    assert outbox[-1].to == ["nia@example.com"] and "Thank you for creating an account" in outbox[-1].body_text
    assert db.session.scalar(select(func.count(PendingRegistration.id))) == 0
    again = client.post(CONFIRM, json={"token": code_in(link)})
    assert again.status_code == 400 and again.get_json()["code"] == "invalid_token"


def test_a_later_sign_up_of_the_address_replaces_an_unconfirmed_one(client, outbox, confirmation):
    """Nobody can hold an address they cannot read: the newest sign-up's link is the only one."""
    sign_up(client, "held@example.com", "squatter")
    sign_up(client, "held@example.com", "owner")
    first, second = outbox
    assert client.post(CONFIRM, json={"token": code_in(first)}).status_code == 400
    created = client.post(CONFIRM, json={"token": code_in(second)})
    assert created.status_code == 201 and created.get_json()["data"]["user"]["username"] == "owner"


def test_a_sign_up_still_checks_what_is_public(client, make_user, outbox, confirmation):
    make_user(username="Taken-Name")
    r = sign_up(client, "fresh@example.com", "taken-name")
    assert r.status_code == 400 and "username" in r.get_json()["errors"]
    weak = client.post(REGISTER, json={"email": "fresh@example.com", "username": "fresh", "password": "12345678"})
    assert weak.status_code == 400 and "password" in weak.get_json()["errors"]
    assert outbox == []


def test_a_sign_up_does_the_same_work_for_a_new_and_a_known_address(
    client, customer, queries, deferred_jobs, outbox, confirmation
):
    """The request runs the same statements either way and leaves the rest to a job, which runs
    after the answer: neither the answer nor its timing tells the addresses apart."""
    runs = []
    for email in (customer.email, "unknown@example.com"):
        queries.clear()
        assert sign_up(client, email, "same-name").status_code == 202
        runs.append(list(queries))
    assert runs[0] == runs[1]
    assert [name for name, _ in deferred_jobs] == ["users.registration_requested"] * 2 and outbox == []
    deferred_jobs.run()
    assert [mail.to for mail in outbox] == [[customer.email], ["unknown@example.com"]]


def test_without_confirmation_a_sign_up_signs_in_at_once(client, customer, outbox):
    """The development and test default (REGISTRATION_EMAIL_CONFIRMATION off), documented."""
    r = sign_up(client, "quick@example.com", "quick")
    assert r.status_code == 201 and r.get_json()["data"]["access"]
    login = client.post("/api/v1/auth/login/", json={"email": customer.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 200
