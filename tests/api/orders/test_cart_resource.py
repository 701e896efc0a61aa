"""The cart as a resource (the original API's `cart/` and `cart/{id}/`): POST opens the caller's
cart (201 when it made it, 200 when it was there), the id names only the caller's own cart
(anyone else's is the 404 of a missing one, tests/security/test_bola.py), PUT/PATCH set the coupon
and the shipping method the estimate and checkout use, DELETE empties and closes it."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from kastoma.extensions import db
from kastoma.orders.models import Cart, CartItem, Order
from tests.fixtures.orders import ADDRESS

CART = "/api/v1/cart/"


def test_post_opens_the_cart_once(client, customer, auth_headers):
    headers = auth_headers(customer)
    first = client.post(CART, headers=headers)
    assert first.status_code == 201 and first.get_json()["data"]["items"] == []
    again = client.post(CART, headers=headers)
    assert again.status_code == 200 and again.get_json()["data"]["id"] == first.get_json()["data"]["id"]
    assert db.session.scalar(select(func.count(Cart.id)).where(Cart.user_id == customer.id)) == 1
    assert "X-Cart-Token" not in first.headers


def test_a_guest_gets_a_token_that_names_the_cart(client):
    opened = client.post(CART)
    assert opened.status_code == 201
    token, cart_id = opened.headers["X-Cart-Token"], opened.get_json()["data"]["id"]
    same = client.post(CART, headers={"X-Cart-Token": token})
    assert same.status_code == 200 and same.get_json()["data"]["id"] == cart_id and "X-Cart-Token" not in same.headers
    assert client.get(f"{CART}{cart_id}/", headers={"X-Cart-Token": token}).status_code == 200
    assert client.get(f"{CART}{cart_id}/").status_code == 404


def test_the_cart_by_id_is_only_the_callers(client, customer, make_user, auth_headers, make_product):
    mug = make_product(stock=5)
    mine = client.post(f"{CART}add_item/", headers=auth_headers(customer), json={"product_id": str(mug.id)})
    cart_id = mine.get_json()["data"]["id"]
    r = client.get(f"{CART}{cart_id}/", headers=auth_headers(customer))
    assert r.status_code == 200 and r.get_json()["data"]["item_count"] == 1
    assert client.get(f"{CART}{uuid.uuid4()}/", headers=auth_headers(customer)).status_code == 404
    other = make_user()
    client.post(CART, headers=auth_headers(other))
    refused = client.get(f"{CART}{cart_id}/", headers=auth_headers(other))
    assert refused.status_code == 404 and refused.get_json()["message"] == "Cart not found."


def test_patch_sets_the_shipping_method_the_estimate_and_checkout_use(client, customer, auth_headers, make_product):
    headers = auth_headers(customer)
    kettle = make_product(price="20.00", stock=5)
    cart_id = client.post(f"{CART}add_item/", headers=headers, json={"product_id": str(kettle.id)}).get_json()["data"][
        "id"
    ]
    r = client.patch(f"{CART}{cart_id}/", headers=headers, json={"shipping_method": "express"})
    assert r.status_code == 200
    assert (r.get_json()["data"]["shipping_method"], r.get_json()["data"]["totals"]["shipping"]) == ("express", "12.99")
    assert client.get(CART, headers=headers).get_json()["data"]["totals"]["shipping"] == "12.99"
    placed = client.post(
        f"{CART}checkout/", headers=headers, json={"shipping_address": ADDRESS, "payment_method": "cash_on_delivery"}
    )
    assert placed.status_code == 201, placed.get_json()
    order = placed.get_json()["data"]
    assert (order["shipping_method"], order["shipping_cost"], order["total"]) == ("express", "12.99", "32.99")
    assert client.patch(f"{CART}{cart_id}/", headers=headers, json={"shipping_method": "boat"}).status_code in (
        400,
        404,
    )


def test_put_sets_the_coupon_and_resets_what_is_left_out(client, customer, auth_headers, make_product, make_coupon):
    headers = auth_headers(customer)
    make_coupon("TENOFF", value="10")
    lamp = make_product(price="50.00", stock=5)
    cart_id = client.post(f"{CART}add_item/", headers=headers, json={"product_id": str(lamp.id)}).get_json()["data"][
        "id"
    ]
    r = client.put(f"{CART}{cart_id}/", headers=headers, json={"coupon_code": "tenoff", "shipping_method": "overnight"})
    assert r.status_code == 200, r.get_json()
    data = r.get_json()["data"]
    assert (data["coupon_code"], data["totals"]["discount"], data["shipping_method"]) == ("TENOFF", "5.00", "overnight")
    reset = client.put(f"{CART}{cart_id}/", headers=headers, json={}).get_json()["data"]
    assert (reset["coupon_code"], reset["totals"]["discount"], reset["shipping_method"]) == (None, "0.00", None)
    unknown = client.patch(f"{CART}{cart_id}/", headers=headers, json={"coupon_code": "NOPE"})
    assert unknown.status_code == 409 and unknown.get_json()["code"] == "coupon_invalid"
    assert db.session.get(Cart, uuid.UUID(cart_id)).coupon is None


def test_delete_empties_and_closes_the_cart(client, customer, auth_headers, make_product):
    headers = auth_headers(customer)
    mug = make_product(stock=5)
    cart_id = client.post(f"{CART}add_item/", headers=headers, json={"product_id": str(mug.id)}).get_json()["data"][
        "id"
    ]
    r = client.delete(f"{CART}{cart_id}/", headers=headers)
    assert r.status_code == 200 and r.get_json()["message"] == "Cart closed."
    assert r.get_json()["data"]["items"] == []
    assert db.session.get(Cart, uuid.UUID(cart_id)) is None
    assert db.session.scalar(select(func.count(CartItem.id))) == 0
    assert client.get(f"{CART}{cart_id}/", headers=headers).status_code == 404
    reopened = client.post(f"{CART}add_item/", headers=headers, json={"product_id": str(mug.id)}).get_json()["data"]
    assert reopened["id"] != cart_id and reopened["item_count"] == 1
    assert db.session.scalar(select(func.count(Order.id))) == 0
