"""Saved addresses: CRUD, one default of each kind, and nobody else's address is visible."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from kastoma.extensions import db
from kastoma.users.models import Address

URL = "/api/v1/addresses/"
HOME = {
    "label": "Home",
    "first_name": "Cara",
    "last_name": "Customer",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "us",
    "phone": "+1 555 123 4567",
}


def create(client, headers, **overrides):
    r = client.post(URL, headers=headers, json={**HOME, **overrides})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["data"]


def test_crud(client, customer, auth_headers):
    headers = auth_headers(customer)
    first = create(client, headers)
    assert first["country"] == "US"
    assert first["is_default_shipping"] and first["is_default_billing"], "the first address is the default"
    listed = client.get(URL, headers=headers).get_json()
    assert [a["id"] for a in listed["data"]] == [first["id"]] and listed["pagination"]["count"] == 1
    r = client.patch(f"{URL}{first['id']}/", headers=headers, json={"city": "Shelbyville"})
    assert r.status_code == 200 and r.get_json()["data"]["city"] == "Shelbyville"
    put = client.put(f"{URL}{first['id']}/", headers=headers, json={**HOME, "line1": "2 Side St"})
    assert put.status_code == 200 and put.get_json()["data"]["line1"] == "2 Side St"
    assert client.delete(f"{URL}{first['id']}/", headers=headers).status_code == 200
    assert client.get(f"{URL}{first['id']}/", headers=headers).status_code == 404


def test_one_default_of_each_kind(client, customer, auth_headers):
    headers = auth_headers(customer)
    home = create(client, headers)
    work = create(client, headers, label="Work", is_default_shipping=True)
    rows = {str(a.id): a for a in db.session.scalars(select(Address).where(Address.user_id == customer.id))}
    assert rows[work["id"]].is_default_shipping and not rows[home["id"]].is_default_shipping
    assert rows[home["id"]].is_default_billing and not rows[work["id"]].is_default_billing
    client.patch(f"{URL}{home['id']}/", headers=headers, json={"is_default_shipping": True})
    db.session.expire_all()
    defaults = db.session.scalars(
        select(Address.id).where(Address.user_id == customer.id, Address.is_default_shipping.is_(True))
    ).all()
    assert [str(d) for d in defaults] == [home["id"]]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"country": "USA"}, "country"),
        ({"postal_code": ""}, "postal_code"),
        ({"phone": "nope"}, "phone"),
        ({"user_id": str(uuid.uuid4())}, "user_id"),
        ({"line1": "x" * 300}, "line1"),
    ],
)
def test_validation(client, customer, auth_headers, body, field):
    r = client.post(URL, headers=auth_headers(customer), json={**HOME, **body})
    assert r.status_code == 400 and field in r.get_json()["errors"]


def test_someone_elses_address_is_indistinguishable_from_a_missing_one(client, customer, make_user, auth_headers):
    owner = make_user()
    theirs = create(client, auth_headers(owner))
    mine = auth_headers(customer)
    missing = f"{URL}{uuid.uuid4()}/"
    for method, kwargs in (("get", {}), ("patch", {"json": {"city": "X"}}), ("put", {"json": HOME}), ("delete", {})):
        other = getattr(client, method)(f"{URL}{theirs['id']}/", headers=mine, **kwargs)
        absent = getattr(client, method)(missing, headers=mine, **kwargs)
        assert other.status_code == absent.status_code == 404
        assert other.data == absent.data
    assert client.get(URL, headers=mine).get_json()["data"] == []
    assert db.session.get(Address, uuid.UUID(theirs["id"])).city == "Springfield"


def test_anonymous_gets_401(client):
    assert client.get(URL).status_code == 401
    assert client.post(URL, json=HOME).status_code == 401
