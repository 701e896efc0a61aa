"""Password reset: no account enumeration, hashed single-use tokens, expiry, sessions ended."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.users.models import PasswordResetToken
from kastoma.users.passwords import verify_password
from tests.conftest import DEFAULT_PASSWORD

REQUEST = "/api/v1/auth/password-reset/"
CONFIRM = "/api/v1/auth/password-reset-confirm/"
NEW_PASSWORD = "Brand-New-Secret-77"


def emailed_token(outbox) -> str:
    assert len(outbox) == 1
    return re.search(r"^\s{4}(\S+)$", outbox[0].body_text, re.MULTILINE).group(1)


def test_same_answer_whether_or_not_the_account_exists(client, customer, outbox):
    known = client.post(REQUEST, json={"email": customer.email.upper()})
    unknown = client.post(REQUEST, json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_json() == unknown.get_json()
    assert len(outbox) == 1 and outbox[0].to == [customer.email]


def test_token_is_random_hashed_and_expires_in_an_hour(client, customer, outbox):
    client.post(REQUEST, json={"email": customer.email})
    token = emailed_token(outbox)
    assert len(token) >= 43  # 32 random bytes, base64url
    row = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == customer.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert timedelta(minutes=59) < row.expires_at - utcnow() <= timedelta(hours=1)


def test_confirm_changes_password_once_and_ends_sessions(client, customer, outbox, tokens_for):
    session = tokens_for(customer)
    client.post(REQUEST, json={"email": customer.email})
    token = emailed_token(outbox)
    r = client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD})
    assert r.status_code == 200, r.get_json()
    db.session.refresh(customer)
    assert verify_password(customer.password_hash, NEW_PASSWORD)
    assert not verify_password(customer.password_hash, DEFAULT_PASSWORD)
    # Every earlier session is over: refresh and access tokens alike.
    assert client.post("/api/v1/auth/refresh/", json={"refresh": session["refresh"]}).status_code == 401
    assert client.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {session['access']}"}).status_code == 401
    login = client.post("/api/v1/auth/login/", json={"email": customer.email, "password": NEW_PASSWORD})
    assert login.status_code == 200
    again = client.post(CONFIRM, json={"token": token, "new_password": "Another-Secret-88"})
    assert again.status_code == 400 and again.get_json()["code"] == "invalid_token"


def test_token_in_the_path(client, customer, outbox):
    client.post(REQUEST, json={"email": customer.email})
    r = client.post(f"{CONFIRM}{emailed_token(outbox)}/", json={"new_password": NEW_PASSWORD})
    assert r.status_code == 200


def test_expired_token_is_refused(client, customer, outbox):
    client.post(REQUEST, json={"email": customer.email})
    token = emailed_token(outbox)
    row = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == customer.id))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    r = client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_token"
    db.session.refresh(customer)
    assert verify_password(customer.password_hash, DEFAULT_PASSWORD)


def test_policy_applies_and_keeps_the_token_usable(client, customer, outbox):
    client.post(REQUEST, json={"email": customer.email})
    token = emailed_token(outbox)
    weak = client.post(CONFIRM, json={"token": token, "new_password": "password"})
    assert weak.status_code == 400 and "new_password" in weak.get_json()["errors"]
    mismatch = client.post(
        CONFIRM, json={"token": token, "new_password": NEW_PASSWORD, "new_password_confirm": "Different-Secret-99"}
    )
    assert mismatch.status_code == 400 and "new_password_confirm" in mismatch.get_json()["errors"]
    assert client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD}).status_code == 200


def test_unknown_token_and_inactive_account(client, customer, outbox):
    assert client.post(CONFIRM, json={"token": "made-up", "new_password": NEW_PASSWORD}).status_code == 400
    customer.is_active = False
    db.session.commit()
    client.post(REQUEST, json={"email": customer.email})
    assert outbox == []


def test_a_reset_request_does_the_same_work_for_a_known_and_an_unknown_address(
    client, customer, queries, deferred_jobs, outbox
):
    """Issue 17, item 10: the request only starts a job (the lookup, the token and the mail
    happen after the answer), so its timing tells nothing about the account."""
    runs = []
    for email in (customer.email, "nobody@example.com"):
        queries.clear()
        assert client.post(REQUEST, json={"email": email}).status_code == 200
        runs.append(list(queries))
    assert runs[0] == runs[1] == []
    assert [kwargs["email"] for _, kwargs in deferred_jobs] == [customer.email, "nobody@example.com"]
    assert outbox == [] and db.session.scalar(select(PasswordResetToken.id)) is None
    deferred_jobs.run()
    assert len(outbox) == 1 and outbox[0].to == [customer.email]
