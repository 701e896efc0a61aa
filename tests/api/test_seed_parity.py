"""Seed parity: every operation of the original Django Kastoma API answers here.

ORIGINAL is `../shared/seed/api-operations.txt` (the original's published schema, one operation
a line), copied so the suite runs without the seed beside it. Each operation must be in our
`/api/schema/` (path parameters compared by position, whatever their name) and, called by an
authorised caller with real ids and a valid body, answer the status written beside it: never a
404 or 405 for a route that does not exist, never a 5xx, always a status the spec declares for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.users.test_password_reset import emailed_token
from tests.conftest import DEFAULT_PASSWORD
from tests.fixtures.orders import ADDRESS
from tests.security.conftest import fill

ORIGINAL = """
GET /api/schema/
GET /api/v1/products/
POST /api/v1/products/
GET /api/v1/products/low_stock/
GET /api/v1/products/popular/
GET /api/v1/products/search/
GET /api/v1/products/stats/
GET /api/v1/products/{id}/
DELETE /api/v1/products/{id}/
PUT /api/v1/products/{id}/
PATCH /api/v1/products/{id}/
GET /api/v1/products/{id}/reviews/
POST /api/v1/products/{id}/reviews/
POST /api/v1/products/{id}/update_stock/
GET /api/v1/categories/
POST /api/v1/categories/
GET /api/v1/categories/roots/
GET /api/v1/categories/stats/
GET /api/v1/categories/tree/
GET /api/v1/categories/{id}/
DELETE /api/v1/categories/{id}/
PUT /api/v1/categories/{id}/
PATCH /api/v1/categories/{id}/
GET /api/v1/categories/{id}/children/
GET /api/v1/categories/{id}/products/
GET /api/v1/users/
POST /api/v1/users/
POST /api/v1/users/change_password/
DELETE /api/v1/users/delete_account/
GET /api/v1/users/me/
GET /api/v1/users/stats/
PUT /api/v1/users/update_profile/
PATCH /api/v1/users/update_profile/
GET /api/v1/users/{id}/
DELETE /api/v1/users/{id}/
PUT /api/v1/users/{id}/
PATCH /api/v1/users/{id}/
GET /api/v1/profiles/
POST /api/v1/profiles/
GET /api/v1/profiles/me/
GET /api/v1/profiles/stats/
PUT /api/v1/profiles/update_me/
PATCH /api/v1/profiles/update_me/
GET /api/v1/profiles/{id}/
DELETE /api/v1/profiles/{id}/
PUT /api/v1/profiles/{id}/
PATCH /api/v1/profiles/{id}/
POST /api/v1/auth/register/
POST /api/v1/auth/login/
POST /api/v1/auth/refresh/
POST /api/v1/auth/verify/
POST /api/v1/auth/password-reset/
POST /api/v1/auth/password-reset-confirm/{token}/
GET /api/v1/profile/
PUT /api/v1/profile/update/
PATCH /api/v1/profile/update/
POST /api/v1/profile/change-password/
DELETE /api/v1/profile/delete/
GET /api/v1/orders/
POST /api/v1/orders/
GET /api/v1/orders/my_orders/
GET /api/v1/orders/stats/
POST /api/v1/orders/validate_coupon/
GET /api/v1/orders/{id}/
DELETE /api/v1/orders/{id}/
PUT /api/v1/orders/{id}/
PATCH /api/v1/orders/{id}/
PATCH /api/v1/orders/{id}/add_tracking/
POST /api/v1/orders/{id}/cancel/
PATCH /api/v1/orders/{id}/update_status/
GET /api/v1/cart/
POST /api/v1/cart/
POST /api/v1/cart/add_item/
POST /api/v1/cart/checkout/
DELETE /api/v1/cart/clear/
GET /api/v1/cart/my_cart/
DELETE /api/v1/cart/remove_item/
GET /api/v1/cart/stats/
PATCH /api/v1/cart/update_item/
GET /api/v1/cart/{id}/
DELETE /api/v1/cart/{id}/
PUT /api/v1/cart/{id}/
PATCH /api/v1/cart/{id}/
""".strip().splitlines()


@dataclass(frozen=True)
class Call:
    """How an authorised caller uses one operation: `url` and `body` are filled from the shop."""

    url: str
    status: int = 200
    body: Any = None
    caller: str = "admin"  # admin, customer or anonymous
    query: str = ""


NEW_PASSWORD = {"current_password": DEFAULT_PASSWORD, "new_password": "Another-Horse-43"}
PRODUCT = {"name": "Parity Lamp", "sku": "PARITY-LAMP", "price": "12.00", "category_id": "{category_id}"}
ME = {"username": "parity-admin", "first_name": "Ada", "last_name": "Admin"}
BUY = {
    "items": [{"product_id": "{product_id}", "quantity": 1}],
    "shipping_address": ADDRESS,
    "payment_method": "cash_on_delivery",
}
P = "/api/v1/products/{product}/"
C = "/api/v1/categories/{category}/"
CALLS: dict[str, Call] = {
    "GET /api/schema/": Call("/api/schema/"),
    "GET /api/v1/products/": Call("/api/v1/products/"),
    "POST /api/v1/products/": Call("/api/v1/products/", 201, PRODUCT),
    "GET /api/v1/products/low_stock/": Call("/api/v1/products/low_stock/"),
    "GET /api/v1/products/popular/": Call("/api/v1/products/popular/"),
    "GET /api/v1/products/search/": Call("/api/v1/products/search/", query="?q=Kettle"),
    "GET /api/v1/products/stats/": Call("/api/v1/products/stats/"),
    "GET /api/v1/products/{id}/": Call(P),
    "DELETE /api/v1/products/{id}/": Call(P),
    "PUT /api/v1/products/{id}/": Call(P, body={**PRODUCT, "sku": "PARITY-KETTLE"}),
    "PATCH /api/v1/products/{id}/": Call(P, body={"price": "31.00"}),
    "GET /api/v1/products/{id}/reviews/": Call(P + "reviews/"),
    "POST /api/v1/products/{id}/reviews/": Call(P + "reviews/", 201, {"rating": 4, "title": "Boils fast"}, "customer"),
    "POST /api/v1/products/{id}/update_stock/": Call(P + "update_stock/", body={"stock": 7, "reason": "adjustment"}),
    "GET /api/v1/categories/": Call("/api/v1/categories/"),
    "POST /api/v1/categories/": Call("/api/v1/categories/", 201, {"name": "Parity Shelf"}),
    "GET /api/v1/categories/roots/": Call("/api/v1/categories/roots/"),
    "GET /api/v1/categories/stats/": Call("/api/v1/categories/stats/"),
    "GET /api/v1/categories/tree/": Call("/api/v1/categories/tree/"),
    "GET /api/v1/categories/{id}/": Call(C),
    "DELETE /api/v1/categories/{id}/": Call("/api/v1/categories/{empty_category}/"),
    "PUT /api/v1/categories/{id}/": Call(C, body={"name": "Kitchen things"}),
    "PATCH /api/v1/categories/{id}/": Call(C, body={"description": "Pots and kettles"}),
    "GET /api/v1/categories/{id}/children/": Call(C + "children/"),
    "GET /api/v1/categories/{id}/products/": Call(C + "products/"),
    "GET /api/v1/users/": Call("/api/v1/users/"),
    "POST /api/v1/users/": Call("/api/v1/users/", 201, {"username": "newhire", "email": "newhire@example.com"}),
    "POST /api/v1/users/change_password/": Call("/api/v1/users/change_password/", body=NEW_PASSWORD),
    "DELETE /api/v1/users/delete_account/": Call("/api/v1/users/delete_account/", caller="customer"),
    "GET /api/v1/users/me/": Call("/api/v1/users/me/"),
    "GET /api/v1/users/stats/": Call("/api/v1/users/stats/"),
    "PUT /api/v1/users/update_profile/": Call("/api/v1/users/update_profile/", body=ME),
    "PATCH /api/v1/users/update_profile/": Call("/api/v1/users/update_profile/", body={"first_name": "Ada"}),
    "GET /api/v1/users/{id}/": Call("/api/v1/users/{customer_id}/"),
    "DELETE /api/v1/users/{id}/": Call("/api/v1/users/{customer_id}/"),
    "PUT /api/v1/users/{id}/": Call(
        "/api/v1/users/{customer_id}/",
        body={"is_active": True, "role": "customer", "first_name": "Cara", "last_name": "Client"},
    ),
    "PATCH /api/v1/users/{id}/": Call("/api/v1/users/{customer_id}/", body={"last_name": "Client"}),
    "GET /api/v1/profiles/": Call("/api/v1/profiles/"),
    # Every account gets its profile when it is made; creating another is the documented 409.
    "POST /api/v1/profiles/": Call("/api/v1/profiles/", 409),
    "GET /api/v1/profiles/me/": Call("/api/v1/profiles/me/"),
    "GET /api/v1/profiles/stats/": Call("/api/v1/profiles/stats/"),
    "PUT /api/v1/profiles/update_me/": Call("/api/v1/profiles/update_me/", body={"bio": "Runs the shop"}),
    "PATCH /api/v1/profiles/update_me/": Call("/api/v1/profiles/update_me/", body={"city": "Lyon"}),
    "GET /api/v1/profiles/{id}/": Call("/api/v1/profiles/{profile_id}/"),
    "DELETE /api/v1/profiles/{id}/": Call("/api/v1/profiles/{profile_id}/"),
    "PUT /api/v1/profiles/{id}/": Call("/api/v1/profiles/{profile_id}/", body={"bio": "Tea drinker"}),
    "PATCH /api/v1/profiles/{id}/": Call("/api/v1/profiles/{profile_id}/", body={"newsletter_subscribed": True}),
    "POST /api/v1/auth/register/": Call(
        "/api/v1/auth/register/",
        201,
        {"username": "walkin", "email": "walkin@example.com", "password": "Walk-In-Shopper-77"},
        "anonymous",
    ),
    "POST /api/v1/auth/login/": Call(
        "/api/v1/auth/login/", body={"email": "{customer_email}", "password": DEFAULT_PASSWORD}, caller="anonymous"
    ),
    "POST /api/v1/auth/refresh/": Call("/api/v1/auth/refresh/", body={"refresh": "{refresh}"}, caller="anonymous"),
    "POST /api/v1/auth/verify/": Call("/api/v1/auth/verify/", body={"token": "{refresh}"}, caller="anonymous"),
    "POST /api/v1/auth/password-reset/": Call(
        "/api/v1/auth/password-reset/", body={"email": "{customer_email}"}, caller="anonymous"
    ),
    "POST /api/v1/auth/password-reset-confirm/{token}/": Call(
        "/api/v1/auth/password-reset-confirm/{reset_token}/", body={"new_password": "Fresh-Start-Horse-9"}
    ),
    "GET /api/v1/profile/": Call("/api/v1/profile/"),
    "PUT /api/v1/profile/update/": Call("/api/v1/profile/update/", body=ME),
    "PATCH /api/v1/profile/update/": Call("/api/v1/profile/update/", body={"last_name": "Lovelace"}),
    "POST /api/v1/profile/change-password/": Call("/api/v1/profile/change-password/", body=NEW_PASSWORD),
    "DELETE /api/v1/profile/delete/": Call("/api/v1/profile/delete/", caller="customer"),
    "GET /api/v1/orders/": Call("/api/v1/orders/"),
    "POST /api/v1/orders/": Call("/api/v1/orders/", 201, BUY, "customer"),
    "GET /api/v1/orders/my_orders/": Call("/api/v1/orders/my_orders/", caller="customer"),
    "GET /api/v1/orders/stats/": Call("/api/v1/orders/stats/"),
    "POST /api/v1/orders/validate_coupon/": Call("/api/v1/orders/validate_coupon/", body={"code": "PARITY10"}),
    "GET /api/v1/orders/{id}/": Call("/api/v1/orders/{order_id}/"),
    # Orders are never deleted (the original let anyone delete them): a documented 409.
    "DELETE /api/v1/orders/{id}/": Call("/api/v1/orders/{order_id}/", 409),
    "PUT /api/v1/orders/{id}/": Call("/api/v1/orders/{order_id}/", body={"internal_notes": "Gift wrap"}),
    "PATCH /api/v1/orders/{id}/": Call("/api/v1/orders/{order_id}/", body={"internal_notes": "Fragile"}),
    "PATCH /api/v1/orders/{id}/add_tracking/": Call(
        "/api/v1/orders/{order_id}/add_tracking/", body={"tracking_number": "1Z999"}
    ),
    "POST /api/v1/orders/{id}/cancel/": Call("/api/v1/orders/{order_id}/cancel/", body={"note": "Changed my mind"}),
    "PATCH /api/v1/orders/{id}/update_status/": Call(
        "/api/v1/orders/{order_id}/update_status/", body={"status": "confirmed"}
    ),
    "GET /api/v1/cart/": Call("/api/v1/cart/"),
    "POST /api/v1/cart/": Call("/api/v1/cart/"),
    "POST /api/v1/cart/add_item/": Call("/api/v1/cart/add_item/", body={"product_id": "{product_id}"}),
    "POST /api/v1/cart/checkout/": Call(
        "/api/v1/cart/checkout/", 201, {"shipping_address": ADDRESS, "payment_method": "cash_on_delivery"}
    ),
    "DELETE /api/v1/cart/clear/": Call("/api/v1/cart/clear/"),
    "GET /api/v1/cart/my_cart/": Call("/api/v1/cart/my_cart/"),
    "DELETE /api/v1/cart/remove_item/": Call("/api/v1/cart/remove_item/", body={"item_id": "{cart_item_id}"}),
    "GET /api/v1/cart/stats/": Call("/api/v1/cart/stats/"),
    "PATCH /api/v1/cart/update_item/": Call(
        "/api/v1/cart/update_item/", body={"item_id": "{cart_item_id}", "quantity": 2}
    ),
    "GET /api/v1/cart/{id}/": Call("/api/v1/cart/{cart_id}/"),
    "DELETE /api/v1/cart/{id}/": Call("/api/v1/cart/{cart_id}/"),
    "PUT /api/v1/cart/{id}/": Call(
        "/api/v1/cart/{cart_id}/", body={"coupon_code": "PARITY10", "shipping_method": "express"}
    ),
    "PATCH /api/v1/cart/{id}/": Call("/api/v1/cart/{cart_id}/", body={"shipping_method": "overnight"}),
}


def normalised(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture
def shop(client, outbox, make_user, auth_headers, tokens_for, make_category, make_product, make_coupon, place_order):
    """An admin with a cart of one line, a customer with a pending order, a coupon, an empty category."""
    admin, customer = make_user("admin"), make_user("customer")
    kitchen = make_category("Kitchen")
    kettle = make_product("Parity Kettle", price="30.00", stock=40, category=kitchen)
    empty = make_category("Empty shelf")
    make_coupon("PARITY10")
    order = place_order(customer, [(kettle, 1)]).get_json()["data"]
    headers = {"admin": auth_headers(admin), "customer": auth_headers(customer), "anonymous": {}}
    cart = client.post("/api/v1/cart/add_item/", headers=headers["admin"], json={"product_id": str(kettle.id)})
    profile = client.get("/api/v1/profiles/me/", headers=headers["customer"]).get_json()["data"]
    outbox.clear()
    assert client.post("/api/v1/auth/password-reset/", json={"email": admin.email}).status_code == 200
    values = {
        "product": kettle.slug,
        "product_id": str(kettle.id),
        "category": kitchen.slug,
        "category_id": str(kitchen.id),
        "empty_category": empty.slug,
        "customer_id": str(customer.id),
        "customer_email": customer.email,
        "profile_id": profile["id"],
        "order_id": order["id"],
        "cart_id": cart.get_json()["data"]["id"],
        "cart_item_id": cart.get_json()["data"]["items"][0]["id"],
        "refresh": tokens_for(customer)["refresh"],
        "reset_token": emailed_token(outbox),
    }
    return values, headers


def test_the_list_is_the_originals_83_operations():
    assert len(ORIGINAL) == 83 == len(set(ORIGINAL))
    assert sorted(CALLS) == sorted(ORIGINAL)


def test_every_original_operation_is_in_the_spec(client):
    spec = client.get("/api/schema/").get_json()
    ours = {f"{method.upper()} {normalised(path)}" for path, ops in spec["paths"].items() for method in ops}
    ours.add("GET /api/schema/")  # the spec itself (not an operation of its own)
    missing = [op for op in ORIGINAL if normalised(op) not in ours]
    assert missing == []


@pytest.mark.parametrize("operation", ORIGINAL)
def test_every_original_operation_answers(client, shop, operation):
    values, headers = shop
    call = CALLS[operation]
    method = operation.split()[0]
    url = fill(call.url, values) + call.query
    response = client.open(url, method=method, headers=headers[call.caller], json=fill(call.body, values))
    assert response.status_code == call.status, response.get_data(as_text=True)[:500]
    if operation == "GET /api/schema/":
        return
    body = response.get_json()
    assert body["success"] is (response.status_code < 400)
    spec = client.get("/api/schema/").get_json()
    path = next(p for p in spec["paths"] if normalised(p) == normalised(operation.split()[1]))
    assert str(call.status) in spec["paths"][path][method.lower()]["responses"]
