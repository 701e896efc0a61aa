"""`flask create-admin`, `flask tokens` and the demo users of `flask seed`."""

from __future__ import annotations

import json

import jwt as pyjwt
from sqlalchemy import select

from kastoma.extensions import db
from kastoma.users.models import Role, User


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
