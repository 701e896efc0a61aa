"""Profiles as a resource: staff list and edit any, owners their own (anyone else's is the 404 of
a missing one, tests/security/test_bola.py); PUT replaces, DELETE clears; the own-profile aliases
of the original API behave as `users/me/` and `profiles/me/`."""

from __future__ import annotations

import io
import uuid

import pytest

from kastoma.extensions import db
from kastoma.users.models import User, UserProfile
from tests.api.users.test_account import png_bytes

PROFILES = "/api/v1/profiles/"
DETAILS = {"phone": "+44 20 7946 0958", "bio": "Likes engines.", "city": "London", "newsletter_subscribed": True}


def upload_avatar(client, headers) -> str:
    r = client.post(
        f"{PROFILES}me/avatar/",
        headers=headers,
        data={"avatar": (io.BytesIO(png_bytes()), "me.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    return r.get_json()["data"]["avatar_url"].removeprefix("http://localhost")


def test_staff_list_search_and_filter_profiles(client, staff, make_user, auth_headers):
    ada = make_user(username="ada-l", email="ada@example.com")
    make_user(username="bob-b", email="bob@example.com")
    client.patch(f"{PROFILES}me/", headers=auth_headers(ada), json=DETAILS)
    upload_avatar(client, auth_headers(ada))
    headers = auth_headers(staff)
    listed = client.get(PROFILES, headers=headers).get_json()
    assert listed["pagination"]["count"] == 3
    for query, expected in (
        ({"search": "ADA@"}, [ada.id]),
        ({"search": "london"}, [ada.id]),
        ({"newsletter_subscribed": "true"}, [ada.id]),
        ({"has_avatar": "true"}, [ada.id]),
    ):
        found = client.get(PROFILES, headers=headers, query_string=query).get_json()["data"]
        assert [p["user_id"] for p in found] == [str(u) for u in expected], query
    without = client.get(PROFILES, headers=headers, query_string={"has_avatar": "false"}).get_json()["data"]
    assert str(ada.id) not in {p["user_id"] for p in without} and len(without) == 2


def test_customers_cannot_list_profiles(client, customer, auth_headers):
    assert client.get(PROFILES, headers=auth_headers(customer)).status_code == 403
    assert client.get(PROFILES).status_code == 401


def test_post_creates_a_missing_profile_once(client, customer, auth_headers):
    exists = client.post(PROFILES, headers=auth_headers(customer))
    assert exists.status_code == 409 and exists.get_json()["code"] == "profile_exists"
    db.session.delete(customer.profile)
    db.session.commit()
    created = client.post(PROFILES, headers=auth_headers(customer))
    assert created.status_code == 201 and created.get_json()["data"]["user_id"] == str(customer.id)
    assert db.session.query(UserProfile).filter_by(user_id=customer.id).count() == 1


def test_owners_read_and_edit_their_profile_by_id(client, customer, auth_headers):
    headers = auth_headers(customer)
    profile_id = client.get(f"{PROFILES}me/", headers=headers).get_json()["data"]["id"]
    assert client.get(f"{PROFILES}{profile_id}/", headers=headers).get_json()["data"]["user_id"] == str(customer.id)
    patched = client.patch(f"{PROFILES}{profile_id}/", headers=headers, json=DETAILS)
    assert patched.status_code == 200 and patched.get_json()["data"]["city"] == "London"
    replaced = client.put(f"{PROFILES}{profile_id}/", headers=headers, json={"bio": "Only this."})
    assert replaced.status_code == 200
    data = replaced.get_json()["data"]
    assert (data["bio"], data["city"], data["phone"], data["newsletter_subscribed"]) == ("Only this.", "", "", False)
    assert client.get(f"{PROFILES}{uuid.uuid4()}/", headers=headers).status_code == 404


def test_staff_edit_any_profile(client, staff, customer, auth_headers):
    profile_id = str(customer.profile.id)
    r = client.patch(f"{PROFILES}{profile_id}/", headers=auth_headers(staff), json={"city": "Leeds"})
    assert r.status_code == 200
    db.session.refresh(customer.profile)
    assert customer.profile.city == "Leeds"


def test_delete_clears_details_and_avatar_and_keeps_the_account(client, customer, auth_headers):
    headers = auth_headers(customer)
    client.patch(f"{PROFILES}me/", headers=headers, json=DETAILS)
    avatar = upload_avatar(client, headers)
    assert client.get(avatar).status_code == 200
    r = client.delete(f"{PROFILES}{customer.profile.id}/", headers=headers)
    assert r.status_code == 200 and r.get_json()["message"] == "Profile cleared."
    data = r.get_json()["data"]
    assert (data["bio"], data["city"], data["avatar_url"], data["newsletter_subscribed"]) == ("", "", None, False)
    assert client.get(avatar).status_code == 404
    assert db.session.get(User, customer.id).is_active
    assert client.get("/api/v1/users/me/", headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/users/update_profile/", "/api/v1/profile/update/", "/api/v1/users/me/"])
def test_put_replaces_the_accounts_editable_fields(client, customer, auth_headers, path):
    headers = auth_headers(customer)
    r = client.put(path, headers=headers, json={"username": "cara-new", "first_name": "Cara"})
    assert r.status_code == 200, r.get_json()
    data = r.get_json()["data"]
    assert (data["username"], data["first_name"], data["last_name"]) == ("cara-new", "Cara", "")
    missing = client.put(path, headers=headers, json={"first_name": "Cara"})
    assert missing.status_code == 400 and "username" in missing.get_json()["errors"]
    assert client.put(path, headers=headers, json={"username": "x", "role": "admin"}).status_code == 400


def test_patch_update_profile_alias_is_users_me(client, customer, auth_headers):
    r = client.patch("/api/v1/users/update_profile/", headers=auth_headers(customer), json={"last_name": "Cole"})
    assert r.status_code == 200 and r.get_json()["data"]["last_name"] == "Cole"


def test_profiles_update_me_put_and_patch(client, customer, auth_headers):
    headers = auth_headers(customer)
    patched = client.patch(f"{PROFILES}update_me/", headers=headers, json=DETAILS)
    assert patched.status_code == 200 and patched.get_json()["data"]["city"] == "London"
    put = client.put(f"{PROFILES}update_me/", headers=headers, json={"city": "Paris"})
    assert put.status_code == 200
    assert (put.get_json()["data"]["city"], put.get_json()["data"]["bio"]) == ("Paris", "")
    db.session.refresh(customer.profile)
    assert (customer.profile.city, customer.profile.newsletter_subscribed) == ("Paris", False)
