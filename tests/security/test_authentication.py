"""API2 Broken Authentication: every kind of bad token on every kind of authenticated route.

tests/api/users/test_auth.py::test_expired_tampered_alg_none_and_wrong_type_tokens_are_401 checks the
token kinds against `users/me/` only, and test_wrong_password_and_unknown_account_look_identical
one pair of logins. Here the same tokens go to each class of route (required auth, optional
auth — a bad token must not quietly fall back to a guest —, staff, staff-only catalogue reads,
logout), each must be a 401 with its precise code and change nothing; and every way a login
can fail answers identically.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token

from kastoma.extensions import db
from kastoma.roles import Role
from kastoma.users.tokens import user_claims
from tests.conftest import DEFAULT_PASSWORD
from tests.fixtures.orders import ADDRESS
from tests.security.conftest import (
    API,
    assert_none,
    comparable_headers,
    db_state,
    envelope_problems,
    fill,
    ok,
    send,
)

# One route per way a route authenticates; `{...}` are A's own objects.
AUTHENTICATED_ROUTES = [
    ("GET", f"{API}/orders/", None),
    ("GET", f"{API}/orders/{{order}}/", None),
    ("POST", f"{API}/orders/{{order}}/cancel/", {}),
    (
        "POST",
        f"{API}/orders/",
        {
            "items": [{"product_id": "{product_id}", "quantity": 1}],
            "shipping_address": ADDRESS,
            "payment_method": "credit_card",
        },
    ),
    ("POST", f"{API}/addresses/", ADDRESS),
    ("PATCH", f"{API}/profiles/me/", {"bio": "changed"}),
    ("DELETE", f"{API}/profile/delete/", None),
    ("POST", f"{API}/auth/logout/", {}),
    # Optional authentication: anonymous is fine, a bad token is not.
    ("GET", f"{API}/cart/", None),
    ("POST", f"{API}/cart/add_item/", {"product_id": "{product_id}", "quantity": 1}),
    ("DELETE", f"{API}/cart/items/{{cart_item}}/", None),
    ("GET", f"{API}/wishlists/{{public_wishlist}}/", None),
    ("GET", f"{API}/products/{{product}}/reviews/{{review}}/", None),
    ("POST", f"{API}/orders/validate_coupon/", {"code": "NOPE"}),
    # Staff routes and staff-only catalogue reads: a bad token is 401 before any role check.
    ("GET", f"{API}/users/", None),
    ("PATCH", f"{API}/orders/{{order}}/update_status/", {"status": "cancelled"}),
    ("GET", f"{API}/products/?include_inactive=true", None),
]


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _access(world) -> str:
    return world.a.headers["Authorization"].split()[1]


def _claims(world) -> dict:
    return json.loads(base64.urlsafe_b64decode(_access(world).split(".")[1] + "=="))


def expired(app, client, world, tokens_for):
    user = world.a.user
    claims = {**user_claims(user), "fam": str(uuid.uuid4()), "ver": user.token_version}
    return create_access_token(str(user.id), expires_delta=timedelta(seconds=-5), additional_claims=claims)


def tampered(app, client, world, tokens_for):
    header, _, signature = _access(world).split(".")
    return ".".join([header, _b64({**_claims(world), "role": "admin"}), signature])


def alg_none(app, client, world, tokens_for):
    return ".".join([_b64({"alg": "none", "typ": "JWT"}), _b64({**_claims(world), "role": "admin"}), ""])


def forged(app, client, world, tokens_for):
    return pyjwt.encode(_claims(world), "a-guessed-secret-that-is-long-enough-0000", algorithm="HS256")


def refresh_as_access(app, client, world, tokens_for):
    return tokens_for(world.a.user)["refresh"]


def logged_out(app, client, world, tokens_for):
    ok(client.post(f"{API}/auth/logout/", headers=world.a.headers, json={}))
    return _access(world)


def password_changed(app, client, world, tokens_for):
    ok(
        client.post(
            f"{API}/profile/change-password/",
            headers=world.a.headers,
            json={"current_password": DEFAULT_PASSWORD, "new_password": "Another-Long-Secret-77"},
        )
    )
    return _access(world)


def deactivated(app, client, world, tokens_for):
    ok(client.delete(f"{API}/profile/delete/", headers=world.a.headers))
    return _access(world)


# Forged or misused tokens (nothing about the account changes) and tokens an event revoked.
FORGED = {
    "expired": (expired, "token_expired"),
    "tampered role claim": (tampered, "token_invalid"),
    "alg none": (alg_none, "token_invalid"),
    "signed with another secret": (forged, "token_invalid"),
    "refresh token as access": (refresh_as_access, "token_invalid"),
}
REVOKED = {
    "revoked by logout": logged_out,
    "issued before a password change": password_changed,
    "of a deactivated account": deactivated,
}


def refusals(client, world, tokens: dict[str, tuple[str, str]]) -> list:
    """Every (kind, route) where a bad token was not a 401 with its code, or changed the database."""
    ids = world.ids_of(world.a)
    before = db_state()
    failures = []
    for kind, (token, code) in tokens.items():
        for method, url, body in AUTHENTICATED_ROUTES:
            headers = {"Authorization": f"Bearer {token}"}
            r = send(client, method, fill(url, ids), headers=headers, json=fill(body, ids))
            got = (r.status_code, (r.get_json() or {}).get("code"), r.headers.get("WWW-Authenticate"))
            if got != (401, code, "Bearer") or envelope_problems(r):
                failures.append((kind, method, url, got, envelope_problems(r)))
    if db_state() != before:
        failures.append("a refused token still changed the database (a guest cart, a logout...)")
    return failures


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_forged_and_misused_tokens_are_401_everywhere(app, client, world, tokens_for):
    tokens = {kind: (make(app, client, world, tokens_for), code) for kind, (make, code) in FORGED.items()}
    assert_none(refusals(client, world, tokens))


@pytest.mark.parametrize("kind", sorted(REVOKED))
def test_revoked_tokens_are_401_everywhere(app, client, world, tokens_for, kind):
    token = REVOKED[kind](app, client, world, tokens_for)
    assert_none(refusals(client, world, {kind: (token, "token_revoked")}))


def test_roles_come_from_the_database_not_the_token(client, world):
    """A demoted staff member's still-valid token carries role=staff; it must not open staff routes."""
    staff, admin = world.staff, world.admin
    assert client.get(f"{API}/users/", headers=staff.headers).status_code == 200
    staff.user.role = Role.CUSTOMER
    admin.user.role = Role.STAFF
    db.session.commit()
    assert client.get(f"{API}/users/", headers=staff.headers).status_code == 403
    assert client.get(f"{API}/orders/{world.b.ids['order']}/", headers=staff.headers).status_code == 404
    promote = client.patch(f"{API}/users/{world.a.user.id}/", headers=admin.headers, json={"role": "admin"})
    assert promote.status_code == 403
    db.session.refresh(world.a.user)
    assert world.a.user.role is Role.CUSTOMER


def test_every_failed_login_answers_identically(client, make_user):
    known = make_user(username="known-user", email="known@example.com")
    inactive = make_user(username="gone-user", email="gone@example.com")
    inactive.is_active = False
    db.session.commit()
    wrong = "Wrong-Password-123"
    attempts = [
        {"email": known.email, "password": wrong},
        {"email": "KNOWN@Example.com ", "password": wrong},
        {"email": "nobody@example.com", "password": wrong},
        {"email": inactive.email, "password": DEFAULT_PASSWORD},
        {"username": known.username, "password": wrong},
        {"username": "nobody-at-all", "password": wrong},
        {"username": inactive.username, "password": DEFAULT_PASSWORD},
    ]
    responses = [client.post(f"{API}/auth/login/", json=body) for body in attempts]
    first = responses[0]
    assert first.status_code == 401 and first.get_json()["code"] == "invalid_credentials"
    for body, r in zip(attempts, responses, strict=True):
        assert (r.status_code, r.data) == (first.status_code, first.data), body
        assert comparable_headers(r) == comparable_headers(first), body
