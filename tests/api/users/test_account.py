"""The signed-in user's account and profile: me, aliases, password change, deletion, avatar."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from sqlalchemy import select

from kastoma.extensions import db
from kastoma.roles import Role
from kastoma.users.models import User
from kastoma.users.passwords import verify_password
from tests.conftest import DEFAULT_PASSWORD

NEW_PASSWORD = "Fresh-Password-2027"


def png_bytes(size: int = 0) -> bytes:
    """A real 1x1 PNG, optionally padded with a trailing chunk to reach `size` bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )
    return png + b"\x00" * max(0, size - len(png))


@pytest.mark.parametrize("path", ["/api/v1/users/me/", "/api/v1/profile/", "/api/v1/profile/update/"])
def test_me_and_aliases(client, customer, auth_headers, path):
    headers = auth_headers(customer)
    if path != "/api/v1/profile/update/":
        r = client.get(path, headers=headers)
        assert r.status_code == 200 and r.get_json()["data"]["id"] == str(customer.id)
    r = client.patch(path, headers=headers, json={"first_name": "Carla", "username": "carla-c"})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["data"]["first_name"], r.get_json()["data"]["username"]) == ("Carla", "carla-c")


def test_me_requires_a_token(client):
    r = client.get("/api/v1/users/me/")
    assert r.status_code == 401 and r.get_json()["code"] == "token_missing"


@pytest.mark.parametrize(
    "field, value",
    [
        ("role", "admin"),
        ("is_active", False),
        ("is_staff", True),
        ("id", "00000000-0000-0000-0000-000000000000"),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("password_hash", "x"),
    ],
)
def test_customers_cannot_mass_assign_protected_fields(client, customer, auth_headers, field, value):
    r = client.patch("/api/v1/users/me/", headers=auth_headers(customer), json={field: value, "first_name": "Eve"})
    assert r.status_code == 400 and field in r.get_json()["errors"]
    db.session.expire_all()
    fresh = db.session.get(User, customer.id)
    assert (fresh.role, fresh.is_active, fresh.first_name) == (Role.CUSTOMER, True, "Cara")


def mailed_code(mail) -> str:
    return re.search(r"^\s{4}(\S+)$", mail.body_text, re.MULTILINE).group(1)


def test_an_email_change_needs_the_password_and_the_new_mailbox(client, customer, tokens_for, outbox):
    """Issue 17, item 7: an access token alone cannot move the account to another address."""
    old_email, sessions = customer.email, [tokens_for(customer) for _ in range(2)]
    headers = {"Authorization": f"Bearer {sessions[0]['access']}"}
    for body in ({"email": "attacker@example.com"}, {"email": "attacker@example.com", "current_password": "wrong"}):
        r = client.patch("/api/v1/users/me/", headers=headers, json=body)
        assert r.status_code == 400 and "current_password" in r.get_json()["errors"]
    assert outbox == []
    r = client.patch(
        "/api/v1/users/me/", headers=headers, json={"email": "New@Example.com", "current_password": DEFAULT_PASSWORD}
    )
    assert r.status_code == 200 and r.get_json()["data"]["email"] == old_email, "nothing changes yet"
    assert "link we sent to the new address" in r.get_json()["message"]
    notice, confirm = outbox
    assert notice.to == [old_email] and "new@example.com" in notice.body_text
    assert confirm.to == ["new@example.com"]
    # A reset to the new address finds no account: the takeover of the report goes nowhere.
    client.post("/api/v1/auth/password-reset/", json={"email": "new@example.com"})
    assert len(outbox) == 2
    done = client.post("/api/v1/users/me/email/confirm/", json={"token": mailed_code(confirm)})
    assert done.status_code == 200, done.get_json()
    db.session.expire_all()
    assert db.session.get(User, customer.id).email == "new@example.com"
    assert outbox[-1].to == [old_email] and "now new@example.com" in outbox[-1].body_text
    for session in sessions:  # every session ends
        assert (
            client.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {session['access']}"}).status_code == 401
        )
        assert client.post("/api/v1/auth/refresh/", json={"refresh": session["refresh"]}).status_code == 401
    again = client.post("/api/v1/users/me/email/confirm/", json={"token": mailed_code(confirm)})
    assert again.status_code == 400 and again.get_json()["code"] == "invalid_token"
    login = client.post("/api/v1/auth/login/", json={"email": "new@example.com", "password": DEFAULT_PASSWORD})
    assert login.status_code == 200


def test_an_email_change_to_a_taken_address_tells_only_that_address(client, customer, make_user, auth_headers, outbox):
    other = make_user(email="other@example.com")
    body = {"email": "OTHER@example.com", "current_password": DEFAULT_PASSWORD}
    r = client.patch("/api/v1/users/me/", headers=auth_headers(customer), json=body)
    assert r.status_code == 200 and "link we sent to the new address" in r.get_json()["message"]
    assert [mail.to for mail in outbox] == [[customer.email], [other.email]]
    assert "already belongs to your" in outbox[1].body_text
    db.session.expire_all()
    assert (db.session.get(User, customer.id).email, db.session.get(User, other.id).email) == (
        customer.email,
        "other@example.com",
    )


@pytest.mark.parametrize("path", ["/api/v1/profile/change-password/", "/api/v1/users/change_password/"])
def test_change_password_ends_other_sessions(client, customer, tokens_for, path):
    other_device = tokens_for(customer)
    current = tokens_for(customer)
    headers = {"Authorization": f"Bearer {current['access']}"}
    wrong = client.post(path, headers=headers, json={"current_password": "Not-It-123", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 400 and "current_password" in wrong.get_json()["errors"]
    weak = client.post(path, headers=headers, json={"current_password": DEFAULT_PASSWORD, "new_password": "12345678"})
    assert weak.status_code == 400 and "new_password" in weak.get_json()["errors"]
    r = client.post(
        path,
        headers=headers,
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
    )
    assert r.status_code == 200, r.get_json()
    fresh = r.get_json()["data"]
    db.session.refresh(customer)
    assert verify_password(customer.password_hash, NEW_PASSWORD)
    assert client.post("/api/v1/auth/refresh/", json={"refresh": other_device["refresh"]}).status_code == 401
    assert (
        client.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {other_device['access']}"}).status_code
        == 401
    )
    # The session that changed the password continues with the new pair.
    assert client.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {fresh['access']}"}).status_code == 200
    assert client.post("/api/v1/auth/refresh/", json={"refresh": fresh["refresh"]}).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/profile/delete/", "/api/v1/users/delete_account/"])
def test_delete_account_deactivates_and_tokens_stop(client, customer, tokens_for, path):
    tokens = tokens_for(customer)
    headers = {"Authorization": f"Bearer {tokens['access']}"}
    assert client.delete(path, headers=headers).status_code == 200
    assert db.session.scalar(select(User.is_active).where(User.id == customer.id)) is False
    assert db.session.get(User, customer.id) is not None, "deletion deactivates, it does not erase"
    assert client.get("/api/v1/users/me/", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/refresh/", json={"refresh": tokens["refresh"]}).status_code == 401
    login = client.post("/api/v1/auth/login/", json={"email": customer.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 401


def test_profile_read_and_update(client, customer, auth_headers):
    headers = auth_headers(customer)
    profile = client.get("/api/v1/profiles/me/", headers=headers).get_json()["data"]
    assert profile["is_complete"] is False and profile["avatar_url"] is None
    r = client.patch(
        "/api/v1/profiles/me/",
        headers=headers,
        json={
            "phone": "+44 20 7946 0958",
            "date_of_birth": "1990-12-10",
            "bio": "Likes engines.",
            "address_line1": "12 Analytical St",
            "city": "London",
            "postal_code": "N1 9GU",
            "country": "GB",
            "newsletter_subscribed": True,
        },
    )
    assert r.status_code == 200, r.get_json()
    data = r.get_json()["data"]
    assert data["is_complete"] is True and data["newsletter_subscribed"] is True
    assert data["date_of_birth"] == "1990-12-10"
    db.session.refresh(customer.profile)
    assert customer.profile.city == "London"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"phone": "call me"}, "phone"),
        ({"bio": "x" * 501}, "bio"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"country": "Britain"}, "country"),
        ({"user_id": "00000000-0000-0000-0000-000000000000"}, "user_id"),
    ],
)
def test_profile_validation(client, customer, auth_headers, body, field):
    r = client.patch("/api/v1/profiles/me/", headers=auth_headers(customer), json=body)
    assert r.status_code == 400 and field in r.get_json()["errors"]


def test_avatar_upload_is_stored_and_served(app, client, customer, auth_headers):
    r = client.post(
        "/api/v1/profiles/me/avatar/",
        headers=auth_headers(customer),
        data={"avatar": (io.BytesIO(png_bytes()), "me.gif")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.get_json()
    url = r.get_json()["data"]["avatar_url"]
    assert url.startswith("http://localhost/media/avatars/") and url.endswith(".png") and "me.gif" not in url
    served = client.get(url.removeprefix("http://localhost"))
    assert served.status_code == 200 and served.data == png_bytes()


@pytest.mark.parametrize(
    "payload, name",
    [
        (b"<?php system($_GET['x']); ?>", "shell.png"),
        (b"GIF89a" + b"\x00" * 20, "anim.gif"),
        (b"", "empty.png"),
    ],
)
def test_avatar_rejects_non_images(client, customer, auth_headers, payload, name):
    r = client.post(
        "/api/v1/profiles/me/avatar/",
        headers=auth_headers(customer),
        data={"avatar": (io.BytesIO(payload), name)},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "avatar" in r.get_json()["errors"]
    db.session.refresh(customer.profile)
    assert customer.profile.avatar == ""


def test_avatar_rejects_oversized_files(client, customer, auth_headers):
    r = client.post(
        "/api/v1/profiles/me/avatar/",
        headers=auth_headers(customer),
        data={"avatar": (io.BytesIO(png_bytes(2 * 1024 * 1024 + 1)), "big.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "2 MB" in r.get_json()["errors"]["avatar"][0]


def test_avatar_requires_a_file(client, customer, auth_headers):
    r = client.post(
        "/api/v1/profiles/me/avatar/", headers=auth_headers(customer), data={}, content_type="multipart/form-data"
    )
    assert r.status_code == 400 and "avatar" in r.get_json()["errors"]
