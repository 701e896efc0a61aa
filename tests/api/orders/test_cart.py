"""The cart: guest tokens, merge on login, live prices, whole-line stock checks, coupons."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select

from kastoma.extensions import db
from kastoma.orders.models import Cart, Coupon

CART = "/api/v1/cart/"


def add(client, product, quantity=1, variant=None, headers=None):
    body = {"product_id": str(product.id), "quantity": quantity}
    if variant is not None:
        body["variant_id"] = str(variant.id)
    return client.post(f"{CART}add_item/", json=body, headers=headers or {})


def test_guest_cart_gets_a_token_and_live_totals(client, make_product):
    product = make_product(price="19.99", stock=10)
    r = add(client, product, 2)
    assert r.status_code == 200, r.get_json()
    token = r.headers["X-Cart-Token"]
    assert len(token) >= 40 and r.headers["Cache-Control"] == "private, no-store"
    cart = client.get(CART, headers={"X-Cart-Token": token}).get_json()["data"]
    line = cart["items"][0]
    assert (line["quantity"], line["unit_price"], line["line_total"], line["available_stock"]) == (
        2,
        "19.99",
        "39.98",
        10,
    )
    assert line["product"]["id"] == str(product.id)
    assert cart["item_count"] == 2
    assert cart["totals"] == {
        "subtotal": "39.98",
        "discount": "0.00",
        "shipping": "5.99",
        "tax": "0.00",
        "total": "45.97",
        "currency": "USD",
    }
    # The token is a secret: only its hash is stored.
    assert db.session.scalar(select(Cart.token_hash).where(Cart.token_hash.is_not(None))) != token
    empty = client.get(CART).get_json()["data"]
    assert empty["items"] == [] and empty["totals"]["total"] == "0.00"


def test_prices_are_live(client, customer, auth_headers, make_product):
    product = make_product(price="10.00", stock=5)
    headers = auth_headers(customer)
    add(client, product, 1, headers=headers)
    product.price = Decimal("12.50")
    db.session.commit()
    assert client.get(CART, headers=headers).get_json()["data"]["items"][0]["unit_price"] == "12.50"


def test_whole_line_is_checked_against_stock(client, customer, auth_headers, make_product):
    product = make_product(stock=5)
    headers = auth_headers(customer)
    assert add(client, product, 3, headers=headers).status_code == 200
    r = add(client, product, 3, headers=headers)
    assert r.status_code == 409
    body = r.get_json()
    assert body["code"] == "insufficient_stock" and body["errors"] == {"requested": 6, "available": 5}
    assert client.get(CART, headers=headers).get_json()["data"]["items"][0]["quantity"] == 3


def test_variants_and_inactive_products(client, make_product):
    shirt = make_product(variants=[{"name": "M", "stock": 3}, {"name": "L", "stock": 0}])
    needs_variant = add(client, shirt)
    assert needs_variant.status_code == 400 and "variant_id" in needs_variant.get_json()["errors"]
    medium = shirt.variants[0]
    ok = add(client, shirt, 2, variant=medium)
    assert ok.status_code == 200 and ok.get_json()["data"]["items"][0]["variant"]["name"] == "M"
    assert add(client, shirt, 1, variant=shirt.variants[1]).status_code == 409
    foreign_variant = make_product(variants=[{"name": "X", "stock": 3}]).variants[0]
    assert add(client, shirt, 1, variant=foreign_variant).status_code == 404
    hidden = make_product(stock=5, is_active=False)
    assert add(client, hidden).status_code == 404
    assert client.post(f"{CART}add_item/", json={"product_id": str(uuid.uuid4())}).status_code == 404
    for bad in (0, -1, "two", 10**6):
        r = client.post(f"{CART}add_item/", json={"product_id": str(shirt.id), "quantity": bad})
        assert r.status_code == 400 and "quantity" in r.get_json()["errors"]


def test_update_remove_and_clear(client, customer, auth_headers, make_product):
    headers = auth_headers(customer)
    a, b = make_product(stock=10), make_product(stock=10)
    add(client, a, 1, headers=headers)
    data = add(client, b, 1, headers=headers).get_json()["data"]
    a_line = next(i for i in data["items"] if i["product"]["id"] == str(a.id))
    r = client.patch(f"{CART}update_item/", headers=headers, json={"item_id": a_line["id"], "quantity": 4})
    assert r.status_code == 200 and {i["quantity"] for i in r.get_json()["data"]["items"]} == {4, 1}
    too_many = client.patch(f"{CART}update_item/", headers=headers, json={"product_id": str(a.id), "quantity": 11})
    assert too_many.status_code == 409
    removed = client.patch(f"{CART}update_item/", headers=headers, json={"product_id": str(b.id), "quantity": 0})
    assert [i["product"]["id"] for i in removed.get_json()["data"]["items"]] == [str(a.id)]
    add(client, b, 1, headers=headers)
    r = client.delete(f"{CART}remove_item/", headers=headers, json={"product_id": str(b.id)})
    assert len(r.get_json()["data"]["items"]) == 1
    r = client.delete(f"{CART}items/{a_line['id']}/", headers=headers)
    assert r.get_json()["data"]["items"] == []
    add(client, a, 1, headers=headers)
    assert client.delete(f"{CART}clear/", headers=headers).get_json()["data"]["item_count"] == 0
    assert client.delete(f"{CART}items/{uuid.uuid4()}/", headers=headers).status_code == 404


def test_guest_cart_merges_into_the_users_cart_capped_by_stock(client, customer, auth_headers, make_product):
    product, other = make_product(stock=5), make_product(stock=5)
    headers = auth_headers(customer)
    add(client, product, 3, headers=headers)
    token = add(client, product, 4).headers["X-Cart-Token"]
    add(client, other, 1, headers={"X-Cart-Token": token})
    merged = client.get(CART, headers={**headers, "X-Cart-Token": token}).get_json()["data"]
    quantities = {i["product"]["id"]: i["quantity"] for i in merged["items"]}
    assert quantities == {str(product.id): 5, str(other.id): 1}
    assert db.session.scalar(select(func.count(Cart.id)).where(Cart.user_id.is_(None))) == 0
    assert client.get(CART, headers={"X-Cart-Token": token}).get_json()["data"]["items"] == []


def test_cart_items_of_others_are_404(client, customer, make_user, auth_headers, make_product):
    product = make_product(stock=5)
    theirs = add(client, product, 1, headers=auth_headers(make_user())).get_json()["data"]["items"][0]["id"]
    mine = auth_headers(customer)
    add(client, product, 1, headers=mine)
    r = client.delete(f"{CART}items/{theirs}/", headers=mine)
    assert r.status_code == 404
    r = client.patch(f"{CART}update_item/", headers=mine, json={"item_id": theirs, "quantity": 3})
    assert r.status_code == 404


def test_coupons_on_the_cart(client, customer, auth_headers, make_product, make_coupon):
    headers = auth_headers(customer)
    add(client, make_product(price="50.00", stock=5), 1, headers=headers)
    make_coupon(code="SAVE10", discount_type="percentage", value="10")
    r = client.post(f"{CART}apply_coupon/", headers=headers, json={"code": "save10"})
    assert r.status_code == 200
    assert r.get_json()["data"]["totals"]["discount"] == "5.00" and r.get_json()["data"]["coupon_code"] == "SAVE10"
    bad = client.post(f"{CART}apply_coupon/", headers=headers, json={"code": "NOPE"})
    assert bad.status_code == 409 and bad.get_json()["code"] == "coupon_invalid"
    make_coupon(code="BIGSPEND", discount_type="fixed", value="20", min_order_amount="100")
    short = client.post(f"{CART}apply_coupon/", headers=headers, json={"code": "BIGSPEND"})
    assert short.status_code == 409 and "100.00" in short.get_json()["message"]
    check = client.post("/api/v1/orders/validate_coupon/", headers=headers, json={"code": "BIGSPEND"})
    assert check.status_code == 200 and check.get_json()["data"]["valid"] is False
    good = client.post("/api/v1/orders/validate_coupon/", headers=headers, json={"code": "SAVE10"}).get_json()
    assert good["data"]["valid"] is True and good["data"]["discount"] == "5.00"
    removed = client.delete(f"{CART}remove_coupon/", headers=headers)
    assert removed.get_json()["data"]["totals"]["discount"] == "0.00"
    assert db.session.scalar(select(Coupon.times_used).where(Coupon.code == "SAVE10")) == 0
