"""Rate limits on login, register and password reset: 429 with Retry-After, per identifier."""

from __future__ import annotations

import logging
import uuid

import pytest

from kastoma.extensions import limiter
from tests.admin.conftest import csrf_token
from tests.conftest import make_test_app


@pytest.fixture
def limited_client(app, tmp_path_factory):
    """A second app with rate limiting on (the suite's app has it off).

    flask-limiter keeps its switch on the shared Limiter object, so it is restored afterwards.
    """
    was_enabled = limiter.enabled
    limited = make_test_app(
        tmp_path_factory,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"kastoma-test-{uuid.uuid4().hex[:8]}",
        RATELIMIT_LOGIN="3/minute",
        RATELIMIT_LOGIN_PER_IP="8/minute",
        RATELIMIT_REGISTER="2/hour",
        RATELIMIT_PASSWORD_RESET="2/hour",
    )
    with limited.app_context():
        limiter.reset()  # counts of earlier tests (a shared Redis keeps them) are not this test's
    try:
        yield limited.test_client()
    finally:
        limiter.enabled = was_enabled


def test_login_is_limited_per_identifier(limited_client, customer):
    body = {"email": customer.email, "password": "Wrong-Password-1"}
    statuses = [limited_client.post("/api/v1/auth/login/", json=body).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    r = limited_client.post("/api/v1/auth/login/", json=body)
    assert r.status_code == 429 and r.get_json()["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) > 0
    other = limited_client.post("/api/v1/auth/login/", json={"email": "someone@example.com", "password": "x"})
    assert other.status_code == 401, "another identifier has its own budget"


def test_login_is_limited_per_account_whichever_identifier_names_it(limited_client, make_user):
    """Issue 17, item 9: alternating email and username (in any case) shares one budget."""
    user = make_user(username="Dana", email="dana@example.com")
    bodies = [{"email": "DANA@example.com"}, {"username": "dana"}, {"email": user.email}, {"username": "DANA"}]
    statuses = [
        limited_client.post("/api/v1/auth/login/", json={**body, "password": "Wrong-Password-1"}).status_code
        for body in bodies
    ]
    assert statuses == [401, 401, 401, 429]
    form = {"email": user.email, "password": "Wrong-Password-1", "csrf_token": csrf_token(limited_client)}
    admin = limited_client.post("/admin/login/", data=form)
    assert admin.status_code == 429, "the back office's login counts against the same account"


def test_login_is_limited_per_ip_across_accounts(limited_client):
    bodies = [{"email": f"nobody{n}@example.com", "password": "x"} for n in range(9)]
    statuses = [limited_client.post("/api/v1/auth/login/", json=body).status_code for body in bodies]
    assert statuses == [401] * 8 + [429]


def test_password_reset_is_limited_per_email(limited_client, customer):
    outbox = limited_client.application.extensions["kastoma_mail"].outbox
    statuses = [
        limited_client.post("/api/v1/auth/password-reset/", json={"email": customer.email}).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert len(outbox) == 2


def test_register_is_limited(limited_client):
    def attempt(n: int) -> int:
        return limited_client.post(
            "/api/v1/auth/register/",
            json={"username": f"bot{n}", "email": "bot@example.com", "password": "Some-Long-Pass-99"},
        ).status_code

    assert [attempt(n) for n in range(3)][-1] == 429


@pytest.mark.parametrize("path", ["/api/v1/auth/login/", "/api/v1/auth/password-reset/"])
def test_an_oversized_body_does_not_knock_the_limiter_off_its_storage(limited_client, customer, caplog, path):
    """The limits key on the email in the body. Reading an over-limit body raises 413 inside
    the limiter's key function; flask-limiter took any error there for an unreachable storage
    and fell back to per-process counts, which it drops when it switches back: a way to reset
    anyone's login budget."""
    limited_client.application.config["MAX_CONTENT_LENGTH"] = 1024
    body = {"email": customer.email, "password": "x" * 2048}
    assert limited_client.post(path, json=body).status_code == 413
    assert not [r for r in caplog.records if r.name == "flask-limiter" and r.levelno >= logging.WARNING]
    assert limiter.limiter is limiter._limiter, "the limiter counts in its in-memory fallback"
