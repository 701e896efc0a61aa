"""API6 Unrestricted Access to Sensitive Business Flows: coupons, idempotent checkout and
payment, quantities.

Already covered and not repeated: a per-user coupon reused at buy-now checkout and a total
usage limit (tests/api/orders/test_orders.py::test_coupon_at_checkout), the same Idempotency-Key replayed
or reused with another body (test_orders.py::test_idempotency_key), and in parallel on
PostgreSQL (tests/api/orders/test_concurrency.py), zero and negative quantities at buy-now checkout
(test_orders.py::test_empty_cart_and_bad_bodies).
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from kastoma.extensions import db
from kastoma.orders.models import Coupon, CouponUsage, Order, Payment
from kastoma.products.models import Product
from tests.fixtures.orders import ADDRESS
from tests.live import in_parallel, live_server
from tests.security.conftest import API, assert_none, db_state, envelope_problems, fill, ok, put, send


def orders_of(user) -> int:
    return db.session.scalar(select(func.count(Order.id)).where(Order.user_id == user.id))


def uses(coupon, user=None) -> tuple[int, int]:
    """(times_used on the coupon row, usage rows of `user`)."""
    db.session.expire_all()
    rows = select(func.count(CouponUsage.id)).where(CouponUsage.coupon_id == coupon.id)
    if user is not None:
        rows = rows.where(CouponUsage.user_id == user.id)
    return db.session.scalar(select(Coupon.times_used).where(Coupon.id == coupon.id)), db.session.scalar(rows)


def test_a_per_user_coupon_cannot_be_reused_through_the_cart_or_a_guest_cart(client, world, make_coupon, place_order):
    a, product = world.a, world.product
    coupon = make_coupon(code="ONCEEACH", discount_type="fixed", value="5", per_user_limit=1)
    assert place_order(a.user, product, coupon_code="onceeach").status_code == 201
    assert uses(coupon, a.user) == (1, 1)

    applied = client.post(f"{API}/cart/apply_coupon/", headers=a.headers, json={"code": "ONCEEACH"})
    assert applied.status_code == 409 and applied.get_json()["code"] == "coupon_exhausted"
    preview = ok(client.post(f"{API}/orders/validate_coupon/", headers=a.headers, json={"code": "ONCEEACH"}))
    assert preview["valid"] is False

    # A guest cannot be checked against A's history; the cart it builds then joins A's at login.
    guest = client.post(f"{API}/cart/add_item/", json={"product_id": str(product.id), "quantity": 1})
    token = guest.headers["X-Cart-Token"]
    ok(client.post(f"{API}/cart/apply_coupon/", headers={"X-Cart-Token": token}, json={"code": "ONCEEACH"}))
    merged = ok(client.get(f"{API}/cart/", headers={**a.headers, "X-Cart-Token": token}))
    assert merged["coupon_code"] == "ONCEEACH" and merged["totals"]["discount"] == "0.00" and merged["coupon_error"]
    before = orders_of(a.user)
    checkout = client.post(
        f"{API}/cart/checkout/", headers=a.headers, json={"shipping_address": ADDRESS, "payment_method": "paypal"}
    )
    assert checkout.status_code == 409 and checkout.get_json()["code"] == "coupon_exhausted"
    assert orders_of(a.user) == before and uses(coupon, a.user) == (1, 1)

    # The limit is per user: B still may.
    assert place_order(world.b.user, product, coupon_code="ONCEEACH").status_code == 201
    assert uses(coupon) == (2, 2)


def test_idempotency_keys_never_create_a_second_order(client, world, make_coupon, place_order):
    a, b, product = world.a, world.b, world.product
    coupon = make_coupon(code="REPLAY5", discount_type="fixed", value="5")
    key = {"Idempotency-Key": "checkout-once"}
    first = place_order(a.user, product, headers=key, coupon_code="REPLAY5")
    order = ok(first, 201)
    ok(client.post(f"{API}/orders/{order['id']}/cancel/", headers=a.headers, json={}))
    stock = db.session.scalar(select(Product.stock).where(Product.id == product.id))
    count = orders_of(a.user)

    # After a cancellation, a replay answers the stored response: no new order, coupon, or sale.
    for variant in ("checkout-once", "  checkout-once  "):
        replay = place_order(a.user, product, headers={"Idempotency-Key": variant}, coupon_code="REPLAY5")
        assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true", variant
        assert replay.data == first.data
    # The same key on the cart's checkout alias is the same operation with another request.
    alias = client.post(
        f"{API}/cart/checkout/",
        headers={**a.headers, **key},
        json={
            "items": [{"product_id": str(product.id), "quantity": 1}],
            "shipping_address": ADDRESS,
            "payment_method": "credit_card",
            "coupon_code": "REPLAY5",
        },
    )
    assert alias.status_code == 422 and alias.get_json()["code"] == "idempotency_key_reused"
    db.session.expire_all()
    assert orders_of(a.user) == count
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == stock
    assert uses(coupon) == (0, 0)

    # Keys belong to their user: B's identical request is B's own new order, not A's replay.
    theirs = place_order(b.user, product, headers=key, coupon_code="REPLAY5")
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["data"]["id"] != order["id"]
    assert order["order_number"] not in theirs.get_data(as_text=True) and a.user.email not in theirs.get_data(
        as_text=True
    )


def test_a_replayed_payment_charges_once(client, world, place_order):
    a = world.a
    order = ok(place_order(a.user, world.product), 201)
    url, key = f"{API}/orders/{order['id']}/pay/", {**a.headers, "Idempotency-Key": "pay-once"}
    first = client.post(url, headers=key, json={"provider": "dummy", "token": "tok_visa"})
    replay = client.post(url, headers=key, json={"provider": "dummy", "token": "tok_visa"})
    other = client.post(url, headers=key, json={"provider": "dummy", "token": "tok_mastercard"})
    assert first.status_code == replay.status_code == 200 and replay.data == first.data
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    charges = db.session.scalars(select(Payment.status).where(Payment.order_id == uuid.UUID(order["id"])))
    assert list(charges) == ["succeeded"]


BAD_QUANTITIES = [0, -1, -(10**9), 10**9, 0.5, -0.5, True, None, "", "one"]
# (method, url, body with {q}); `{...}` are A's objects. update_item with 0 or less is documented
# to remove the line, so only the values no quantity can be are refused there.
QUANTITY_ROUTES = [
    ("POST", f"{API}/cart/add_item/", {"product_id": "{product_id}", "quantity": "{q}"}, BAD_QUANTITIES),
    (
        "POST",
        f"{API}/orders/",
        {
            "items": [{"product_id": "{product_id}", "quantity": "{q}"}],
            "shipping_address": ADDRESS,
            "payment_method": "paypal",
        },
        BAD_QUANTITIES,
    ),
    (
        "POST",
        f"{API}/cart/checkout/",
        {
            "items": [{"product_id": "{product_id}", "quantity": "{q}"}],
            "shipping_address": ADDRESS,
            "payment_method": "paypal",
        },
        BAD_QUANTITIES,
    ),
    (
        "PATCH",
        f"{API}/cart/update_item/",
        {"item_id": "{cart_item}", "quantity": "{q}"},
        [-(10**9), 10**9, True, None, "", "one"],
    ),
]


def test_impossible_quantities_are_refused_and_change_nothing(client, world):
    ids = world.ids_of(world.a)
    before = db_state()
    failures = []
    for method, url, body, values in QUANTITY_ROUTES:
        for quantity in values:
            payload = fill(put(body, "{q}", quantity), ids)
            r = send(client, method, fill(url, ids), headers=world.a.headers, json=payload)
            if r.status_code != 400 or envelope_problems(r):
                failures.append((url, quantity, r.status_code))
    assert_none(failures)
    assert db_state() == before


def test_a_cart_line_never_holds_zero_or_less(client, world):
    """update_item with 0 or less removes the line (documented); it never stores it."""
    for quantity in (0, -3):
        cart = ok(
            client.post(
                f"{API}/cart/add_item/",
                headers=world.a.headers,
                json={"product_id": str(world.product.id), "quantity": 1},
            )
        )
        line = cart["items"][0]["id"]
        after = ok(
            client.patch(
                f"{API}/cart/update_item/", headers=world.a.headers, json={"item_id": line, "quantity": quantity}
            )
        )
        assert after["items"] == [] and after["totals"]["subtotal"] == "0.00"


@pytest.mark.committing
def test_a_per_user_limit_holds_under_parallel_checkouts(
    app, postgres_only, make_user, auth_headers, make_product, make_coupon
):
    """Ten simultaneous checkouts (distinct Idempotency-Keys) by one customer, limit one each."""
    customer = make_user()
    coupon = make_coupon(code="ONEPERHEAD", discount_type="fixed", value="5", per_user_limit=1)
    product = make_product(price="30.00", stock=100)
    headers = auth_headers(customer)
    body = {
        "items": [{"product_id": str(product.id), "quantity": 1}],
        "shipping_address": ADDRESS,
        "payment_method": "paypal",
        "coupon_code": "ONEPERHEAD",
    }
    calls = [
        {"method": "POST", "path": f"{API}/orders/", "headers": {**headers, "Idempotency-Key": f"k{n}"}, "body": body}
        for n in range(10)
    ]
    with live_server(app) as base:
        results = in_parallel(base, calls)
    statuses = Counter(r.status for r in results)
    assert statuses == {201: 1, 409: 9}, statuses
    assert {r.body["code"] for r in results if r.status == 409} == {"coupon_exhausted"}
    assert uses(coupon, customer) == (1, 1)
