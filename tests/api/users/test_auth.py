"""Register, login, refresh rotation with reuse detection, verify, logout and token errors."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import func, select

from kastoma.extensions import cache, db
from kastoma.roles import Role
from kastoma.users.models import RefreshToken, RevokedToken, User
from tests.conftest import DEFAULT_PASSWORD, make_test_app

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"
REFRESH = "/api/v1/auth/refresh/"
LOGOUT = "/api/v1/auth/logout/"
VERIFY = "/api/v1/auth/verify/"
ME = "/api/v1/users/me/"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(client, **overrides):
    body = {
        "username": "ada",
        "email": "Ada@Example.com",
        "password": "Analytical-Engine-1843",
        "password_confirm": "Analytical-Engine-1843",
        "first_name": "Ada",
        "last_name": "Lovelace",
    }
    body.update(overrides)
    return client.post(REGISTER, json=body)


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


# --- register -----------------------------------------------------------------------------------


def test_register_returns_user_and_working_tokens(client, outbox):
    r = register(client)
    assert r.status_code == 201
    data = r.get_json()["data"]
    assert data["user"]["email"] == "ada@example.com" and data["user"]["role"] == "customer"
    assert "password" not in json.dumps(data["user"]) and "hash" not in json.dumps(data["user"])
    me = client.get(ME, headers=bearer(data["access"]))
    assert me.status_code == 200 and me.get_json()["data"]["username"] == "ada"
    user = db.session.scalar(select(User).where(User.username == "ada"))
    assert user.password_hash.startswith("$argon2id$")
    assert user.profile is not None
    # The account's default wishlist is there from its first look (created on first use).
    wishlists = client.get("/api/v1/wishlists/", headers=bearer(data["access"])).get_json()["data"]
    assert [(w["name"], w["is_default"]) for w in wishlists] == [("My wishlist", True)]
    assert [m.to for m in outbox] == [["ada@example.com"]] and "Welcome" in outbox[0].subject


def test_register_rejects_duplicates_case_insensitively(client, make_user):
    make_user(username="taken", email="taken@example.com")
    before = user_count()
    r = register(client, username="TAKEN", email="TAKEN@example.COM")
    assert r.status_code == 400
    body = r.get_json()
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == {"username", "email"}
    assert user_count() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "short", "password_confirm": "short"}, "password"),
        ({"password": "12345678912", "password_confirm": "12345678912"}, "password"),
        ({"password": "iloveyou", "password_confirm": "iloveyou"}, "password"),
        ({"password": "adalovelace1", "password_confirm": "adalovelace1"}, "password"),
        ({"password_confirm": "something-else-entirely"}, "password_confirm"),
        ({"email": "not-an-email"}, "email"),
        ({"username": "a b"}, "username"),
        ({"role": "admin"}, "role"),
        ({"is_staff": True}, "is_staff"),
    ],
)
def test_register_validation(client, overrides, field):
    before = user_count()
    r = register(client, **overrides)
    assert r.status_code == 400, r.get_json()
    assert field in r.get_json()["errors"]
    assert user_count() == before


# --- login --------------------------------------------------------------------------------------


def test_login_by_email_or_username(client, make_user):
    user = make_user(username="grace", email="grace@example.com")
    for creds in ({"email": "GRACE@example.com"}, {"username": "Grace"}):
        r = client.post(LOGIN, json={**creds, "password": DEFAULT_PASSWORD})
        assert r.status_code == 200, r.get_json()
        data = r.get_json()["data"]
        assert data["user"]["id"] == str(user.id) and data["access"] and data["refresh"]
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_wrong_password_and_unknown_account_look_identical(client, make_user):
    make_user(email="known@example.com")
    wrong = client.post(LOGIN, json={"email": "known@example.com", "password": "Wrong-Password-1"})
    unknown = client.post(LOGIN, json={"email": "nobody@example.com", "password": "Wrong-Password-1"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["code"] == "invalid_credentials"


def test_inactive_user_cannot_log_in(client, make_user):
    user = make_user(email="gone@example.com")
    user.is_active = False
    db.session.commit()
    r = client.post(LOGIN, json={"email": "gone@example.com", "password": DEFAULT_PASSWORD})
    assert r.status_code == 401 and r.get_json()["code"] == "invalid_credentials"


def test_login_needs_an_identifier(client):
    r = client.post(LOGIN, json={"password": "x"})
    assert r.status_code == 400 and "email" in r.get_json()["errors"]


def test_login_rehashes_when_parameters_change(app, client, make_user):
    user = make_user(email="old@example.com")
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] += 1
    try:
        assert client.post(LOGIN, json={"email": "old@example.com", "password": DEFAULT_PASSWORD}).status_code == 200
    finally:
        app.config["ARGON2_TIME_COST"] -= 1
    db.session.refresh(user)
    assert user.password_hash != old_hash and "t=3" in user.password_hash


def test_token_claims(client, make_user):
    make_user(username="linus", email="linus@example.com", first_name="Linus", last_name="T", role=Role.STAFF)
    access = client.post(LOGIN, json={"email": "linus@example.com", "password": DEFAULT_PASSWORD}).get_json()["data"][
        "access"
    ]
    claims = pyjwt.decode(access, options={"verify_signature": False})
    header = pyjwt.get_unverified_header(access)
    assert header["alg"] == "HS256"
    assert claims["type"] == "access"
    assert uuid.UUID(claims["sub"])
    assert (claims["username"], claims["email"], claims["full_name"], claims["role"]) == (
        "linus",
        "linus@example.com",
        "Linus T",
        "staff",
    )
    assert claims["exp"] - claims["iat"] == 15 * 60


# --- refresh rotation ---------------------------------------------------------------------------


def test_refresh_rotates_and_old_token_dies(client, customer, tokens_for):
    first = tokens_for(customer)
    r = client.post(REFRESH, json={"refresh": first["refresh"]})
    assert r.status_code == 200
    second = r.get_json()["data"]
    assert second["refresh"] != first["refresh"]
    assert client.get(ME, headers=bearer(second["access"])).status_code == 200
    assert client.post(REFRESH, json={"refresh": second["refresh"]}).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_family(client, customer, tokens_for):
    stolen = tokens_for(customer)["refresh"]
    legit = client.post(REFRESH, json={"refresh": stolen}).get_json()["data"]
    replay = client.post(REFRESH, json={"refresh": stolen})
    assert replay.status_code == 401 and replay.get_json()["code"] == "token_revoked"
    # The legitimate holder's newer token is part of the family and is revoked too.
    after = client.post(REFRESH, json={"refresh": legit["refresh"]})
    assert after.status_code == 401 and after.get_json()["code"] == "token_revoked"
    family = db.session.scalars(select(RefreshToken).where(RefreshToken.user_id == customer.id)).all()
    assert family and all(row.revoked_at is not None for row in family)


def test_other_sessions_survive_a_family_revocation(client, customer, tokens_for):
    phone, laptop = tokens_for(customer), tokens_for(customer)
    client.post(REFRESH, json={"refresh": phone["refresh"]})
    client.post(REFRESH, json={"refresh": phone["refresh"]})  # reuse: phone family revoked
    assert client.post(REFRESH, json={"refresh": laptop["refresh"]}).status_code == 200


def test_access_token_cannot_refresh(client, customer, tokens_for):
    r = client.post(REFRESH, json={"refresh": tokens_for(customer)["access"]})
    assert r.status_code == 401 and r.get_json()["code"] == "token_invalid"


# --- verify -------------------------------------------------------------------------------------


def test_verify(client, customer, tokens_for):
    tokens = tokens_for(customer)
    r = client.post(VERIFY, json={"token": tokens["access"]})
    assert r.status_code == 200
    assert r.get_json()["data"]["valid"] is True and r.get_json()["data"]["token_type"] == "access"
    assert client.post(VERIFY, json={"token": tokens["refresh"]}).get_json()["data"]["token_type"] == "refresh"
    bad = client.post(VERIFY, json={"token": tokens["access"][:-3] + "abc"})
    assert bad.status_code == 401 and bad.get_json()["code"] == "token_invalid"
    client.post(LOGOUT, headers=bearer(tokens["access"]), json={"refresh": tokens["refresh"]})
    for token in tokens.values():
        r = client.post(VERIFY, json={"token": token})
        assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"


# --- logout -------------------------------------------------------------------------------------


def test_logout_revokes_access_and_refresh(client, customer, tokens_for):
    tokens = tokens_for(customer)
    r = client.post(LOGOUT, headers=bearer(tokens["access"]), json={"refresh": tokens["refresh"]})
    assert r.status_code == 200
    me = client.get(ME, headers=bearer(tokens["access"]))
    assert me.status_code == 401 and me.get_json()["code"] == "token_revoked"
    refreshed = client.post(REFRESH, json={"refresh": tokens["refresh"]})
    assert refreshed.status_code == 401 and refreshed.get_json()["code"] == "token_revoked"
    assert db.session.scalar(select(func.count(RevokedToken.id)).where(RevokedToken.user_id == customer.id)) == 1


def test_logout_survives_a_cache_flush_and_holds_on_another_instance(
    app, client, customer, tokens_for, tmp_path_factory
):
    tokens = tokens_for(customer)
    client.post(LOGOUT, headers=bearer(tokens["access"]), json={})
    with app.app_context():
        cache.clear()
    assert client.get(ME, headers=bearer(tokens["access"])).status_code == 401
    other = make_test_app(tmp_path_factory, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    r = other.test_client().get(ME, headers=bearer(tokens["access"]))
    assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"


def test_logout_refuses_someone_elses_refresh_token(client, customer, make_user, tokens_for):
    mine, theirs = tokens_for(customer), tokens_for(make_user())
    r = client.post(LOGOUT, headers=bearer(mine["access"]), json={"refresh": theirs["refresh"]})
    assert r.status_code == 401
    assert client.post(REFRESH, json={"refresh": theirs["refresh"]}).status_code == 200


def test_logout_needs_a_token(client):
    r = client.post(LOGOUT, json={})
    assert r.status_code == 401 and r.get_json()["code"] == "token_missing"


# --- broken tokens ------------------------------------------------------------------------------


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_expired_tampered_alg_none_and_wrong_type_tokens_are_401(app, client, customer, tokens_for):
    tokens = tokens_for(customer)
    with app.app_context():
        expired = create_access_token(str(customer.id), expires_delta=timedelta(seconds=-5))
    header, payload, signature = tokens["access"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    tampered = ".".join([header, _b64({**claims, "role": "admin"}), signature])
    alg_none = ".".join([_b64({"alg": "none", "typ": "JWT"}), _b64({**claims, "role": "admin"}), ""])
    hs512 = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS512")
    forged = pyjwt.encode(claims, "not-the-server-secret-but-long-enough-000", algorithm="HS256")
    cases = {
        "token_expired": [expired],
        "token_invalid": [tampered, alg_none, hs512, forged, tokens["refresh"], "garbage", ""],
    }
    for code, bad_tokens in cases.items():
        for token in bad_tokens:
            r = client.get(ME, headers=bearer(token))
            assert r.status_code == 401, (code, token)
            body = r.get_json()
            assert body["code"] in (code, "token_missing") and body["success"] is False
            assert r.headers["WWW-Authenticate"] == "Bearer"


def test_token_of_a_deleted_user_is_401(client, make_user, tokens_for):
    user = make_user()
    access = tokens_for(user)["access"]
    db.session.delete(user)
    db.session.commit()
    r = client.get(ME, headers=bearer(access))
    assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"


def test_rs256_when_key_files_are_configured(app, tmp_path, tmp_path_factory):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path / "jwt.pem"
    public = tmp_path / "jwt.pub"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    rs_app = make_test_app(
        tmp_path_factory,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        JWT_PRIVATE_KEY_FILE=str(private),
        JWT_PUBLIC_KEY_FILE=str(public),
    )
    client = rs_app.test_client()
    access = register(client, username="rsa", email="rsa@example.com").get_json()["data"]["access"]
    assert pyjwt.get_unverified_header(access)["alg"] == "RS256"
    assert client.get(ME, headers=bearer(access)).status_code == 200
    # An HS256 token (the classic RS256 -> HS256 confusion) is refused: the algorithm is pinned.
    claims = pyjwt.decode(access, options={"verify_signature": False})
    hs = pyjwt.encode(claims, "some-symmetric-secret-of-decent-length-000", algorithm="HS256")
    assert client.get(ME, headers=bearer(hs)).status_code == 401
