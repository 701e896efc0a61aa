"""The OWASP API Security Top 10 (2023) matrix: customers A and B, staff, an admin, anonymous.

B (and A, so that A's own lookups are never trivially empty) owns one of each object, all
created through the real API: an order with items and a payment (and a staff-only internal
note), a cart with an item, a saved address, a private wishlist with an item, a public
wishlist, a pending (unapproved) review, and profile details. Every private text a party owns
carries that party's tag, so a response scan can tell whose data it shows.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from kastoma.extensions import db
from kastoma.users.models import User
from tests.api.users.test_ratelimits import limited_client  # noqa: F401 - shared fixture, reused as is
from tests.fixtures.orders import ADDRESS

API = "/api/v1"
# Staff write this on every order; no customer may ever see it (OrderSchema.STAFF_ONLY).
INTERNAL_NOTE = "internal-only-note"
# Owned-object placeholders of the URL and body templates; everything else is shared.
OWNED = (
    "order",
    "order_item",
    "payment",
    "cart",
    "cart_item",
    "address",
    "wishlist",
    "default_wishlist",
    "wishlist_item",
    "review",
    "user",
    "profile",
)
SUCCESS_KEYS = {"success", "data", "message", "errors"}
ERROR_KEYS = {"success", "data", "message", "errors", "code"}
SECRET_FIELD = re.compile(r"password|hash|internal_notes|secret", re.IGNORECASE)


@pytest.fixture(autouse=True)
def production_error_handling(app, monkeypatch):
    """Unhandled exceptions become the 500 a real client gets, instead of reaching the test.

    The suite's app is TESTING (exceptions propagate); here a crash must be seen as the status
    code it produces, so each case can assert `< 500` and the matrix can carry on.
    """
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


def send(client, method: str, url: str, **kwargs: Any):
    """One request; after a 5xx the test session is rolled back so the next case starts clean
    (requests share the test's app context, hence its session)."""
    response = client.open(url, method=method, **kwargs)
    if response.status_code >= 500:
        db.session.rollback()
    return response


def assert_none(failures: list) -> None:
    """A matrix assertion whose message lists every failing case, one per line, untruncated."""
    assert not failures, f"{len(failures)} failing cases:\n" + "\n".join(map(str, failures))


def ok(response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    return response.get_json()["data"]


def envelope_problems(response) -> list[str]:
    """What is wrong with the response's envelope (empty when it is a valid one)."""
    if not response.is_json:
        return [f"not JSON: {response.mimetype}"]
    body = response.get_json()
    if not isinstance(body, dict):
        return ["body is not an object"]
    if response.status_code < 400:
        expected = SUCCESS_KEYS | ({"pagination"} if "pagination" in body else set())
        if set(body) != expected or body["success"] is not True or body["errors"] is not None:
            return [f"bad success envelope: {sorted(body)}"]
        return []
    if set(body) != ERROR_KEYS or body["success"] is not False or body["data"] is not None:
        return [f"bad error envelope: {sorted(body)}"]
    if not (isinstance(body["code"], str) and body["code"] and isinstance(body["message"], str) and body["message"]):
        return ["error without code or message"]
    return []


def comparable_headers(response) -> list[tuple[str, str]]:
    """Response headers but those that differ per request by design (its id, and the clock)."""
    return sorted((k, v) for k, v in response.headers.items() if k not in ("X-Request-ID", "Date"))


def db_state() -> dict[str, list[str]]:
    """Every row of every table, to prove a refused request changed nothing at all."""
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)).all())
        for table in db.metadata.sorted_tables
    }


def walk_keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_keys(item)


@dataclass
class Party:
    name: str
    user: User
    headers: dict[str, str]
    tag: str = ""
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    a: Party
    b: Party
    staff: Party
    admin: Party
    product: Any
    variant_product: Any
    approved_review: str

    @property
    def parties(self) -> tuple[Party, ...]:
        return (self.a, self.b, self.staff, self.admin)

    def shared(self) -> dict[str, str]:
        return {
            "product": self.product.slug,
            "product_id": str(self.product.id),
            "own_wishlist": self.a.ids["wishlist"],
        }

    def ids_of(self, owner: Party) -> dict[str, str]:
        """Placeholder values naming `owner`'s objects (and the shared catalogue)."""
        return {**self.shared(), **owner.ids}

    def missing_ids(self) -> dict[str, str]:
        """The same placeholders, every owned object replaced by an id that exists nowhere."""
        return {**self.shared(), **{key: str(uuid.uuid4()) for key in OWNED}}

    def leaks(self, response, viewer: Party | None) -> list[str]:
        """Whatever in a customer's (or anonymous) response belongs to someone else or to staff."""
        raw = response.get_data(as_text=True)
        found = []
        for party in self.parties:
            if party is viewer:
                continue
            if party.user.email in raw:
                found.append(f"{party.name}'s email")
            if party.tag and party.tag in raw:
                found.append(f"{party.name}'s private data ({party.tag})")
        if INTERNAL_NOTE in raw:
            found.append("internal_notes text")
        if "$argon2" in raw:
            found.append("a password hash")
        if response.is_json and response.status_code < 400:
            found += [f"key {key!r}" for key in walk_keys(response.get_json().get("data")) if SECRET_FIELD.search(key)]
        return found


def fill(template: Any, values: dict[str, str]) -> Any:
    """Fill `{placeholder}`s in a URL or (recursively) in a JSON body template."""
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, dict):
        return {key: fill(item, values) for key, item in template.items()}
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    return template


def put(template: Any, marker: str, value: Any) -> Any:
    """Replace every value equal to `marker` in a JSON template (recursively) by `value`, whatever its type."""
    if template == marker:
        return value
    if isinstance(template, dict):
        return {key: put(item, marker, value) for key, item in template.items()}
    if isinstance(template, list):
        return [put(item, marker, value) for item in template]
    return template


@pytest.fixture
def world(client, make_user, auth_headers, make_product, make_review, place_order) -> World:
    product = make_product("Matrix Kettle", price="30.00", stock=100)
    variant_product = make_product("Matrix Tee", price="20.00", variants=[{"stock": 10}], images=["https://img/x.png"])
    parties = {}
    for name, role in (("staff", "staff"), ("admin", "admin"), ("A", "customer"), ("B", "customer")):
        tag = f"{name}-private-{uuid.uuid4().hex[:8]}" if role == "customer" else ""
        user = make_user(role, first_name=name, last_name="Matrix")
        parties[name] = Party(name, user, auth_headers(user), tag)
    staff = parties["staff"]
    for name in ("A", "B"):
        furnish(client, parties[name], product, staff, place_order)
    approved = make_review(product, staff.user, 5, title="Staff pick")
    return World(parties["A"], parties["B"], staff, parties["admin"], product, variant_product, str(approved.id))


def furnish(client, party: Party, product, staff: Party, place_order) -> None:
    """Give `party` one of each object through the API, every private text tagged."""
    h, tag, pid = party.headers, party.tag, str(product.id)
    ids = party.ids
    ids["user"] = str(party.user.id)
    ids["address"] = ok(client.post(f"{API}/addresses/", headers=h, json={**ADDRESS, "line1": f"{tag} street"}), 201)[
        "id"
    ]
    ids["default_wishlist"] = ok(client.get(f"{API}/wishlist/", headers=h))["id"]
    ids["wishlist"] = ok(client.post(f"{API}/wishlists/", headers=h, json={"name": f"{tag} list"}), 201)["id"]
    ids["wishlist_item"] = ok(
        client.post(f"{API}/wishlists/{ids['wishlist']}/items/", headers=h, json={"product_id": pid, "note": tag}), 201
    )["id"]
    ids["public_wishlist"] = ok(
        client.post(f"{API}/wishlists/", headers=h, json={"name": "Shared picks", "is_public": True}), 201
    )["id"]
    order = ok(place_order(party.user, [(product, 2)], shipping_address_id=ids["address"], notes=f"{tag} notes"), 201)
    ids["order"], ids["order_item"], ids["order_number"] = order["id"], order["items"][0]["id"], order["order_number"]
    ids["payment"] = ok(
        client.post(f"{API}/orders/{order['id']}/pay/", headers=h, json={"provider": "dummy", "token": "tok_visa"})
    )["id"]
    ok(client.patch(f"{API}/orders/{order['id']}/", headers=staff.headers, json={"internal_notes": INTERNAL_NOTE}))
    cart = ok(client.post(f"{API}/cart/add_item/", headers=h, json={"product_id": pid, "quantity": 1}))
    ids["cart"], ids["cart_item"] = cart["id"], cart["items"][0]["id"]
    review = ok(
        client.post(f"{API}/products/{product.slug}/reviews/", headers=h, json={"rating": 2, "title": tag}), 201
    )
    assert review["status"] == "pending"
    ids["review"] = review["id"]
    profile = ok(client.patch(f"{API}/profiles/me/", headers=h, json={"bio": f"{tag} bio", "phone": "+1 555 000 0000"}))
    ids["profile"] = profile["id"]
