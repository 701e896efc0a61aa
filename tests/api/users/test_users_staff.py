"""Staff account management: search and filter, activate/deactivate; only admins change roles."""

from __future__ import annotations

import uuid

import pytest

from kastoma.extensions import db
from kastoma.roles import Role
from kastoma.users.models import User

USERS = "/api/v1/users/"


def test_staff_list_search_and_filter(client, staff, make_user, auth_headers):
    make_user(username="zed-smith", email="zed@example.com", first_name="Zed", last_name="Smith")
    inactive = make_user(username="old-timer")
    inactive.is_active = False
    db.session.commit()
    headers = auth_headers(staff)
    everyone = client.get(USERS, headers=headers).get_json()
    assert everyone["pagination"]["count"] >= 3
    for term in ("zed@", "ZED-SMITH", "zed smith"):
        found = client.get(USERS, headers=headers, query_string={"search": term}).get_json()["data"]
        assert [u["username"] for u in found] == ["zed-smith"], term
    inactive_only = client.get(USERS, headers=headers, query_string={"is_active": "false"}).get_json()["data"]
    assert [u["username"] for u in inactive_only] == ["old-timer"]
    staff_only = client.get(USERS, headers=headers, query_string={"role": "staff"}).get_json()["data"]
    assert {u["id"] for u in staff_only} == {str(staff.id)}
    assert client.get(USERS, headers=headers, query_string={"role": "king"}).status_code == 400
    assert "password_hash" not in client.get(USERS, headers=headers).get_data(as_text=True)


@pytest.mark.parametrize("method, path_suffix", [("get", ""), ("get", "{id}/"), ("patch", "{id}/")])
def test_customers_get_403_and_anonymous_401(client, customer, auth_headers, method, path_suffix):
    url = USERS + path_suffix.format(id=customer.id)
    kwargs = {"json": {"is_active": False}} if method == "patch" else {}
    assert getattr(client, method)(url, headers=auth_headers(customer), **kwargs).status_code == 403
    assert getattr(client, method)(url, **kwargs).status_code == 401
    db.session.refresh(customer)
    assert customer.is_active


def test_staff_deactivate_ends_the_users_sessions(client, staff, customer, auth_headers, tokens_for):
    victim_tokens = tokens_for(customer)
    r = client.patch(f"{USERS}{customer.id}/", headers=auth_headers(staff), json={"is_active": False})
    assert r.status_code == 200 and r.get_json()["data"]["is_active"] is False
    assert (
        client.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {victim_tokens['access']}"}).status_code
        == 401
    )
    back = client.patch(f"{USERS}{customer.id}/", headers=auth_headers(staff), json={"is_active": True})
    assert back.get_json()["data"]["is_active"] is True


def test_only_admins_change_roles(client, staff, admin, customer, auth_headers):
    refused = client.patch(f"{USERS}{customer.id}/", headers=auth_headers(staff), json={"role": "staff"})
    assert refused.status_code == 403
    db.session.refresh(customer)
    assert customer.role is Role.CUSTOMER
    promoted = client.patch(f"{USERS}{customer.id}/", headers=auth_headers(admin), json={"role": "staff"})
    assert promoted.status_code == 200 and promoted.get_json()["data"]["role"] == "staff"
    own = client.patch(f"{USERS}{admin.id}/", headers=auth_headers(admin), json={"role": "customer"})
    assert own.status_code == 400


def test_staff_cannot_touch_an_admin_account(client, staff, admin, auth_headers):
    r = client.patch(f"{USERS}{admin.id}/", headers=auth_headers(staff), json={"is_active": False})
    assert r.status_code == 403
    db.session.refresh(admin)
    assert admin.is_active


def test_unknown_user_is_404(client, staff, auth_headers):
    r = client.get(f"{USERS}{uuid.uuid4()}/", headers=auth_headers(staff))
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    assert client.get(f"{USERS}not-a-uuid/", headers=auth_headers(staff)).status_code == 404


def test_staff_cannot_set_passwords_or_emails(client, staff, customer, auth_headers):
    r = client.patch(
        f"{USERS}{customer.id}/",
        headers=auth_headers(staff),
        json={"email": "hijack@example.com", "password_hash": "x"},
    )
    assert r.status_code == 400
    assert db.session.get(User, customer.id).email != "hijack@example.com"
