"""`flask create-admin`, `flask tokens` and the demo users of `flask seed`."""

from __future__ import annotations

import json

import jwt as pyjwt
from sqlalchemy import select

from kastoma.extensions import db
from kastoma.roles import Role
from kastoma.users.models import User


def test_create_admin_non_interactive(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "Boss@Example.com", "--username", "boss", "--password", "Very-Secret-Admin-1"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    assert user.role is Role.ADMIN and user.is_active


def test_create_admin_enforces_the_policy_and_uniqueness(app, make_user):
    make_user(email="taken@example.com")
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-admin", "--email", "a@example.com", "--username", "a1", "--password", "123"])
    assert weak.exit_code == 1 and "password" in weak.output
    dup = runner.invoke(
        args=["create-admin", "--email", "taken@example.com", "--username", "new", "--password", "Very-Secret-Admin-1"]
    )
    assert dup.exit_code == 1 and "email" in dup.output


def test_create_admin_interactive(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin"], input="root@example.com\nroot\nVery-Secret-Admin-1\nVery-Secret-Admin-1\n"
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "root")).is_admin


def test_tokens_for_demo_users_and_to_a_file(app, tmp_path):
    runner = app.test_cli_runner()
    seeded = runner.invoke(args=["seed"])
    assert seeded.exit_code == 0 and "admin@kastoma.local" in seeded.output
    out = tmp_path / "tokens.json"
    result = runner.invoke(args=["tokens", "--output", str(out)])
    assert result.exit_code == 0, result.output
    tokens = json.loads(out.read_text())
    assert set(tokens) == {"admin", "staff", "customer"}
    claims = pyjwt.decode(tokens["staff"]["access"], options={"verify_signature": False})
    assert claims["role"] == "staff"
    me = app.test_client().get("/api/v1/users/me/", headers={"Authorization": f"Bearer {tokens['admin']['access']}"})
    assert me.status_code == 200 and me.get_json()["data"]["role"] == "admin"
    assert oct(out.stat().st_mode)[-3:] == "600"


def test_tokens_for_an_unknown_email_fails(app):
    result = app.test_cli_runner().invoke(args=["tokens", "--email", "ghost@example.com"])
    assert result.exit_code != 0 and "ghost@example.com" in result.output


def test_purge_tokens_keeps_what_still_matters(app, customer, tokens_for):
    from datetime import timedelta

    from kastoma.models import utcnow
    from kastoma.users.models import RefreshToken, RevokedToken

    tokens_for(customer)
    tokens_for(customer)
    rows = db.session.scalars(select(RefreshToken).where(RefreshToken.user_id == customer.id)).all()
    assert len(rows) == 2
    rows[0].expires_at = utcnow() - timedelta(seconds=1)
    db.session.add(RevokedToken(jti="expired-jti", user_id=customer.id, expires_at=utcnow() - timedelta(minutes=1)))
    db.session.add(RevokedToken(jti="current-jti", user_id=customer.id, expires_at=utcnow() + timedelta(minutes=10)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["auth", "purge-tokens"])
    assert result.exit_code == 0, result.output
    assert "1 revoked access tokens, 1 refresh tokens" in result.output
    assert db.session.scalars(select(RevokedToken.jti)).all() == ["current-jti"]
    remaining = db.session.scalars(select(RefreshToken.id).where(RefreshToken.user_id == customer.id)).all()
    assert remaining == [rows[1].id]


def login_status(client, email, password):
    return client.post("/api/v1/auth/login/", json={"email": email, "password": password}).status_code


def test_seed_in_production_creates_no_demo_logins_unless_asked(app, client, monkeypatch):
    """Issue 17, item 6: the published demo passwords never work in production."""
    from kastoma.demo.accounts import DEMO_USERS

    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    runner = app.test_cli_runner()
    plain = runner.invoke(args=["seed", "--products", "0"])
    assert plain.exit_code == 0 and "No demo accounts in production" in plain.output
    demo_emails = [email for _, email, *_ in DEMO_USERS]
    assert db.session.scalar(select(User).where(User.email.in_(demo_emails))) is None
    asked = runner.invoke(args=["seed", "--products", "0", "--demo-users"])
    assert asked.exit_code == 0, asked.output
    printed = dict(line.split()[1:3] for line in asked.output.splitlines() if "@kastoma.local" in line)
    assert set(printed) == {email for _, email, *_ in DEMO_USERS}
    for _, email, published, *_ in DEMO_USERS:
        assert printed[email] != published and len(printed[email]) >= 20
        assert login_status(client, email, published) == 401
        assert login_status(client, email, printed[email]) == 200
    again = runner.invoke(args=["seed", "--products", "0", "--demo-users"])
    assert again.output.count("(exists; password unchanged)") == 3


def test_seed_in_production_warns_of_a_published_password_still_in_use(app, monkeypatch):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "--products", "0"]).exit_code == 0  # development: published passwords
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = runner.invoke(args=["seed", "--products", "0"])
    assert result.exit_code == 0
    assert "admin@kastoma.local still accepts its published demo password" in result.output
