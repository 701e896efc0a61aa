"""Staff account management: search and filter, activate/deactivate; only admins change roles."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

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


def test_staff_create_a_customer_who_is_mailed_a_link_to_choose_a_password(client, staff, auth_headers, outbox):
    r = client.post(USERS, headers=auth_headers(staff), json={"username": "walk-in", "email": "Walk.In@Example.com"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["data"]["role"] == "customer" and body["data"]["email"] == "walk.in@example.com"
    assert not {"password", "password_hash"} & set(body["data"])
    assert [m.to for m in outbox] == [["walk.in@example.com"]]
    token = re.search(r"^\s{4}(\S+)$", outbox[0].body_text, re.MULTILINE).group(1)
    chosen = client.post(f"/api/v1/auth/password-reset-confirm/{token}/", json={"new_password": "Chosen-By-Me-2026"})
    assert chosen.status_code == 200
    login = client.post("/api/v1/auth/login/", json={"email": "walk.in@example.com", "password": "Chosen-By-Me-2026"})
    assert login.status_code == 200


def test_a_given_password_is_held_to_the_policy_and_no_mail_is_sent(client, staff, auth_headers, outbox):
    weak = client.post(
        USERS,
        headers=auth_headers(staff),
        json={"username": "walker", "email": "w@example.com", "password": "12345678"},
    )
    assert weak.status_code == 400 and "password" in weak.get_json()["errors"]
    assert db.session.scalar(select(User).where(User.email == "w@example.com")) is None
    ok = client.post(
        USERS,
        headers=auth_headers(staff),
        json={"username": "walker", "email": "w@example.com", "password": "Strong-Enough-77"},
    )
    assert ok.status_code == 201 and outbox == []
    taken = client.post(USERS, headers=auth_headers(staff), json={"username": "walker2", "email": "W@example.com"})
    assert taken.status_code == 400 and "email" in taken.get_json()["errors"]


def test_only_admins_create_staff_accounts(client, staff, admin, auth_headers):
    body = {"username": "new-staff", "email": "new-staff@example.com", "role": "staff"}
    refused = client.post(USERS, headers=auth_headers(staff), json=body)
    assert refused.status_code == 403 and refused.get_json()["code"] == "permission_denied"
    assert db.session.scalar(select(User).where(User.username == "new-staff")) is None
    made = client.post(USERS, headers=auth_headers(admin), json=body)
    assert made.status_code == 201 and made.get_json()["data"]["role"] == "staff"


def test_put_sets_state_names_and_role(client, staff, admin, customer, auth_headers):
    full = {"is_active": True, "role": "customer", "first_name": "Cora", "last_name": "Client"}
    r = client.put(f"{USERS}{customer.id}/", headers=auth_headers(staff), json=full)
    assert r.status_code == 200
    assert (r.get_json()["data"]["first_name"], r.get_json()["data"]["last_name"]) == ("Cora", "Client")
    partial = client.put(f"{USERS}{customer.id}/", headers=auth_headers(staff), json={"first_name": "Cora"})
    assert partial.status_code == 400 and {"is_active", "role", "last_name"} <= set(partial.get_json()["errors"])
    promote = client.put(f"{USERS}{customer.id}/", headers=auth_headers(staff), json={**full, "role": "staff"})
    assert promote.status_code == 403
    assert (
        client.put(f"{USERS}{customer.id}/", headers=auth_headers(admin), json={**full, "role": "staff"}).status_code
        == 200
    )
    db.session.refresh(customer)
    assert customer.role is Role.STAFF


def test_staff_cannot_rename_an_admin_either(client, staff, admin, auth_headers):
    r = client.patch(f"{USERS}{admin.id}/", headers=auth_headers(staff), json={"first_name": "Mallory"})
    assert r.status_code == 403
    db.session.refresh(admin)
    assert admin.first_name != "Mallory"


def test_delete_deactivates_and_keeps_the_account(client, staff, customer, auth_headers, tokens_for):
    session = tokens_for(customer)
    r = client.delete(f"{USERS}{customer.id}/", headers=auth_headers(staff))
    assert r.status_code == 200 and r.get_json()["data"]["is_active"] is False
    assert r.get_json()["message"] == "Account deactivated."
    assert db.session.get(User, customer.id) is not None
    assert client.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {session['access']}"}).status_code == 401
    again = client.delete(f"{USERS}{customer.id}/", headers=auth_headers(staff))
    assert again.status_code == 200 and again.get_json()["data"]["is_active"] is False


def test_nobody_deletes_their_own_account_here_and_staff_never_an_admin(client, staff, admin, auth_headers):
    own = client.delete(f"{USERS}{admin.id}/", headers=auth_headers(admin))
    assert own.status_code == 409 and own.get_json()["code"] == "own_account"
    assert client.delete(f"{USERS}{admin.id}/", headers=auth_headers(staff)).status_code == 403
    db.session.refresh(admin)
    assert admin.is_active
    assert client.delete(f"{USERS}{uuid.uuid4()}/", headers=auth_headers(staff)).status_code == 404
