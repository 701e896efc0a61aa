"""Checkout and orders: one transaction, snapshots, totals, stock movements, coupons, history,
visibility, cancellation, staff fulfilment and idempotency."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from sqlalchemy import func, select

from kastoma.extensions import db
from kastoma.orders.models import CouponUsage, Order, OrderStatusHistory
from kastoma.products.models import Product, StockMovement
from tests.fixtures.orders import ADDRESS

ORDERS = "/api/v1/orders/"


def order_count() -> int:
    return db.session.scalar(select(func.count(Order.id)))


def stock_of(product) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Product.stock).where(Product.id == product.id))


def test_checkout_from_the_cart_does_everything_in_one_go(client, customer, auth_headers, make_product, outbox):
    headers = auth_headers(customer)
    mug = make_product("Mug", price="12.50", stock=10, sku="MUG-1")
    tee = make_product(
        "Tee", price="20.00", variants=[{"name": "M", "stock": 4, "price": "22.00", "attributes": {"size": "M"}}]
    )
    client.post("/api/v1/cart/add_item/", headers=headers, json={"product_id": str(mug.id), "quantity": 2})
    client.post(
        "/api/v1/cart/add_item/",
        headers=headers,
        json={"product_id": str(tee.id), "variant_id": str(tee.variants[0].id), "quantity": 1},
    )
    r = client.post(
        ORDERS,
        headers=headers,
        json={
            "shipping_address": ADDRESS,
            "payment_method": "credit_card",
            "shipping_method": "express",
            "notes": "Leave at door",
        },
    )
    assert r.status_code == 201, r.get_json()
    order = r.get_json()["data"]
    assert re.fullmatch(r"KAS-\d{8}-[0-9A-HJKMNP-TV-Z]{6}", order["order_number"])
    assert (order["status"], order["payment_status"]) == ("pending", "pending")
    assert (
        order["subtotal"],
        order["discount_amount"],
        order["shipping_cost"],
        order["tax_amount"],
        order["total"],
    ) == ("47.00", "0.00", "12.99", "0.00", "59.99")
    assert order["email"] == customer.email and order["customer_notes"] == "Leave at door"
    items = {i["sku"]: i for i in order["items"]}
    assert items["MUG-1"]["quantity"] == 2 and items["MUG-1"]["line_total"] == "25.00"
    tee_item = items[tee.variants[0].sku]
    assert (tee_item["product_name"], tee_item["variant_name"], tee_item["unit_price"]) == ("Tee", "M", "22.00")
    assert tee_item["attributes"] == {"size": "M"}
    assert [h["to_status"] for h in order["history"]] == ["pending"]
    assert "internal_notes" not in order and "user_id" not in order
    # Stock moved, with an audit trail pointing at the order.
    assert stock_of(mug) == 8
    movements = db.session.scalars(select(StockMovement).where(StockMovement.reference == order["order_number"])).all()
    assert sorted((m.reason.value, m.delta) for m in movements) == [("sale", -2), ("sale", -1)]
    # The cart is empty and the customer got a confirmation.
    assert client.get("/api/v1/cart/", headers=headers).get_json()["data"]["items"] == []
    assert any(order["order_number"] in m.subject for m in outbox)


def test_snapshots_survive_catalogue_changes(client, customer, auth_headers, make_product, place_order):
    product = make_product("Lamp", price="30.00", stock=5)
    order_id = place_order(customer, product).get_json()["data"]["id"]
    product.name, product.price = "Renamed lamp", Decimal("99.00")
    db.session.commit()
    item = client.get(f"{ORDERS}{order_id}/", headers=auth_headers(customer)).get_json()["data"]["items"][0]
    assert (item["product_name"], item["unit_price"]) == ("Lamp", "30.00")


def test_free_standard_shipping_and_tax_from_settings(client, customer, make_product, place_order):
    from kastoma.core.settings import set_setting

    set_setting("tax_rate", Decimal("10"))
    db.session.commit()
    r = place_order(customer, [(make_product(price="60.00", stock=5), 2)], shipping_method="standard")
    order = r.get_json()["data"]
    assert (order["subtotal"], order["shipping_cost"], order["tax_amount"], order["total"]) == (
        "120.00",
        "0.00",
        "12.00",
        "132.00",
    )


def test_a_changed_setting_prices_the_very_next_order(client, customer, make_product, place_order):
    """The pricing rules are cached per settings version: a change applies at once."""
    from kastoma.core.settings import set_setting

    product = make_product(price="60.00", stock=5)
    before = place_order(customer, [(product, 1)], shipping_method="express").get_json()["data"]
    set_setting("tax_rate", Decimal("10"))
    set_setting("shipping_rate_express", Decimal("25.00"))
    db.session.commit()
    after = place_order(customer, [(product, 1)], shipping_method="express").get_json()["data"]
    assert (after["tax_amount"], after["shipping_cost"]) == ("6.00", "25.00")
    assert (before["tax_amount"], before["shipping_cost"]) != (after["tax_amount"], after["shipping_cost"])


def test_not_enough_stock_leaves_nothing_behind(client, customer, auth_headers, make_product, place_order):
    plenty, scarce = make_product(stock=10), make_product(stock=1)
    before = order_count()
    r = place_order(customer, [(plenty, 2), (scarce, 2)])
    assert r.status_code == 409
    body = r.get_json()
    assert body["code"] == "insufficient_stock" and body["errors"]["available"] == 1
    assert order_count() == before and stock_of(plenty) == 10 and stock_of(scarce) == 1
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.reason == "sale")) == 0


def test_empty_cart_and_bad_bodies(client, customer, auth_headers, make_product):
    headers = auth_headers(customer)
    empty = client.post(ORDERS, headers=headers, json={"shipping_address": ADDRESS, "payment_method": "paypal"})
    assert (
        empty.status_code == 409 and empty.get_json()["code"] == "cart_empty" and "items" in empty.get_json()["errors"]
    )
    product = make_product(stock=5)
    for body, field in (
        ({"items": [{"product_id": str(product.id), "quantity": 0}]}, "items"),
        ({"items": [{"product_id": str(product.id), "quantity": -3}]}, "items"),
        ({"items": [{"product_id": str(product.id), "quantity": 1}] * 10_000}, "items"),
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"status": "delivered"}, "status"),
        ({"total": "0.01"}, "total"),
    ):
        payload = {
            "items": [{"product_id": str(product.id), "quantity": 1}],
            "shipping_address": ADDRESS,
            "payment_method": "paypal",
            **body,
        }
        r = client.post(ORDERS, headers=headers, json=payload)
        assert r.status_code == 400 and field in r.get_json()["errors"], (body, r.get_json())
    no_address = client.post(
        ORDERS,
        headers=headers,
        json={"items": [{"product_id": str(product.id), "quantity": 1}], "payment_method": "paypal"},
    )
    assert no_address.status_code == 400 and "shipping_address" in no_address.get_json()["errors"]
    assert client.post(ORDERS, json={}).status_code == 401
    assert order_count() == 0


def test_saved_addresses_and_someone_elses(client, customer, make_user, auth_headers, make_product):
    headers = auth_headers(customer)
    mine = client.post("/api/v1/addresses/", headers=headers, json=ADDRESS).get_json()["data"]["id"]
    theirs = client.post("/api/v1/addresses/", headers=auth_headers(make_user()), json=ADDRESS).get_json()["data"]["id"]
    product = make_product(stock=5)
    base = {"items": [{"product_id": str(product.id), "quantity": 1}], "payment_method": "bank_transfer"}
    ok = client.post(ORDERS, headers=headers, json={**base, "shipping_address_id": mine})
    assert ok.status_code == 201 and ok.get_json()["data"]["billing_address"]["city"] == "Springfield"
    other = client.post(ORDERS, headers=headers, json={**base, "shipping_address_id": theirs})
    assert other.status_code == 404


def test_coupon_at_checkout(client, customer, make_product, place_order, make_coupon):
    coupon = make_coupon(code="TENOFF", discount_type="fixed", value="10", usage_limit=5, per_user_limit=1)
    r = place_order(customer, make_product(price="40.00", stock=5), coupon_code="tenoff")
    assert r.status_code == 201
    order = r.get_json()["data"]
    assert (order["discount_amount"], order["total"], order["coupon_code"]) == ("10.00", "35.99", "TENOFF")
    db.session.refresh(coupon)
    assert coupon.times_used == 1
    assert db.session.scalar(select(func.count(CouponUsage.id))) == 1
    again = place_order(customer, make_product(price="40.00", stock=5), coupon_code="TENOFF")
    assert again.status_code == 409 and again.get_json()["code"] == "coupon_exhausted"
    bogus = place_order(customer, make_product(price="40.00", stock=5), coupon_code="BOGUS")
    assert bogus.status_code == 409 and bogus.get_json()["code"] == "coupon_invalid"
    make_coupon(code="OLD", expired=True)
    expired = place_order(customer, make_product(price="40.00", stock=5), coupon_code="OLD")
    assert expired.status_code == 409 and expired.get_json()["code"] == "coupon_expired"
    assert order_count() == 1


def test_customers_see_only_their_orders(client, customer, make_user, staff, auth_headers, make_product, place_order):
    product = make_product(stock=10)
    mine = place_order(customer, product).get_json()["data"]
    other_user = make_user()
    theirs = place_order(other_user, product).get_json()["data"]
    headers = auth_headers(customer)
    listed = client.get(ORDERS, headers=headers).get_json()
    assert [o["id"] for o in listed["data"]] == [mine["id"]] and listed["pagination"]["count"] == 1
    assert [o["id"] for o in client.get(f"{ORDERS}my_orders/", headers=headers).get_json()["data"]] == [mine["id"]]
    missing = f"{ORDERS}{uuid.uuid4()}/"
    for suffix, method, body in (
        ("", "get", None),
        ("cancel/", "post", {}),
        ("pay/", "post", {"provider": "dummy", "token": "tok_visa"}),
    ):
        a = getattr(client, method)(f"{ORDERS}{theirs['id']}/{suffix}", headers=headers, json=body)
        b = getattr(client, method)(f"{missing}{suffix}", headers=headers, json=body)
        assert a.status_code == b.status_code == 404 and a.data == b.data
    db.session.expire_all()
    assert db.session.get(Order, uuid.UUID(theirs["id"])).status.value == "pending"
    staff_view = client.get(ORDERS, headers=auth_headers(staff), query_string={"email": other_user.email}).get_json()
    assert [o["id"] for o in staff_view["data"]] == [theirs["id"]]
    assert "internal_notes" in staff_view["data"][0]


def test_customer_cancel_restocks_and_releases_the_coupon(
    client, customer, auth_headers, make_product, place_order, make_coupon
):
    coupon = make_coupon(code="ONCE", usage_limit=1)
    product = make_product(price="50.00", stock=3)
    order = place_order(customer, [(product, 2)], coupon_code="ONCE").get_json()["data"]
    assert stock_of(product) == 1
    r = client.post(f"{ORDERS}{order['id']}/cancel/", headers=auth_headers(customer), json={"note": "Changed my mind"})
    assert r.status_code == 200 and r.get_json()["data"]["status"] == "cancelled"
    assert stock_of(product) == 3
    db.session.refresh(coupon)
    assert coupon.times_used == 0
    restocks = db.session.scalars(select(StockMovement).where(StockMovement.reason == "cancellation")).all()
    assert [(m.delta, m.reference) for m in restocks] == [(2, order["order_number"])]
    again = client.post(f"{ORDERS}{order['id']}/cancel/", headers=auth_headers(customer), json={})
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_transition"


def test_staff_fulfilment_goes_through_the_state_machine(
    client, customer, staff, auth_headers, make_product, place_order, outbox
):
    order = place_order(customer, make_product(stock=5)).get_json()["data"]
    url = f"{ORDERS}{order['id']}/"
    staff_headers, customer_headers = auth_headers(staff), auth_headers(customer)
    assert client.patch(f"{url}update_status/", headers=customer_headers, json={"status": "shipped"}).status_code == 403
    skip = client.patch(f"{url}update_status/", headers=staff_headers, json={"status": "shipped"})
    assert skip.status_code == 409 and skip.get_json()["code"] == "invalid_transition"
    outbox.clear()
    for status in ("confirmed", "processing", "shipped", "delivered"):
        if status == "shipped":
            tracking = {"tracking_number": "1Z999", "carrier": "UPS"}
            assert client.patch(f"{url}add_tracking/", headers=staff_headers, json=tracking).status_code == 200
        r = client.patch(f"{url}update_status/", headers=staff_headers, json={"status": status, "note": f"to {status}"})
        assert r.status_code == 200 and r.get_json()["data"]["status"] == status
    final = r.get_json()["data"]
    assert [h["to_status"] for h in final["history"]] == ["pending", "confirmed", "processing", "shipped", "delivered"]
    assert final["history"][-1]["actor"] == staff.username
    assert final["confirmed_at"] and final["shipped_at"] and final["delivered_at"]
    assert len(outbox) == 4 and all(order["order_number"] in m.subject for m in outbox)
    seen_by_customer = client.get(url, headers=customer_headers).get_json()["data"]
    assert all("actor" not in h for h in seen_by_customer["history"])
    history = db.session.scalars(
        select(OrderStatusHistory).where(OrderStatusHistory.order_id == uuid.UUID(order["id"]))
    ).all()
    assert len(history) == 5


def test_customers_cannot_cancel_once_processing_but_staff_can(
    client, customer, staff, auth_headers, make_product, place_order
):
    product = make_product(stock=5)
    order = place_order(customer, product).get_json()["data"]
    url = f"{ORDERS}{order['id']}/"
    for status in ("confirmed", "processing"):
        client.patch(f"{url}update_status/", headers=auth_headers(staff), json={"status": status})
    assert client.post(f"{url}cancel/", headers=auth_headers(customer), json={}).status_code == 409
    assert client.post(f"{url}cancel/", headers=auth_headers(staff), json={}).status_code == 200
    assert stock_of(product) == 5


def test_customers_cannot_edit_orders(client, customer, auth_headers, make_product, place_order):
    order = place_order(customer, make_product(stock=5)).get_json()["data"]
    headers = auth_headers(customer)
    for body in ({"status": "delivered"}, {"total": "0.00"}, {"payment_status": "paid"}, {"internal_notes": "x"}):
        assert client.patch(f"{ORDERS}{order['id']}/", headers=headers, json=body).status_code == 403
    stored = db.session.get(Order, uuid.UUID(order["id"]))
    assert (stored.status.value, stored.payment_status.value, stored.internal_notes) == ("pending", "pending", "")


def test_staff_notes_and_tracking(client, customer, staff, auth_headers, make_product, place_order):
    order = place_order(customer, make_product(stock=5)).get_json()["data"]
    headers = auth_headers(staff)
    r = client.patch(f"{ORDERS}{order['id']}/", headers=headers, json={"internal_notes": "VIP"})
    assert r.status_code == 200 and r.get_json()["data"]["internal_notes"] == "VIP"
    assert client.patch(f"{ORDERS}{order['id']}/", headers=headers, json={"status": "shipped"}).status_code == 400
    t = client.patch(
        f"{ORDERS}{order['id']}/add_tracking/",
        headers=headers,
        json={
            "tracking_number": "1Z999",
            "carrier": "UPS",
            "tracking_url": "https://ups.example/1Z999",
            "estimated_delivery": "2026-12-01",
        },
    )
    assert t.status_code == 200 and t.get_json()["data"]["tracking_number"] == "1Z999"
    customer_view = client.get(f"{ORDERS}{order['id']}/", headers=auth_headers(customer)).get_json()["data"]
    assert customer_view["tracking_number"] == "1Z999" and "VIP" not in str(customer_view)


def test_idempotency_key(client, customer, make_product, place_order):
    product = make_product(stock=5)
    key = {"Idempotency-Key": "checkout-123"}
    first = place_order(customer, product, headers=key)
    second = place_order(customer, product, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["data"]["id"] == second.get_json()["data"]["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert order_count() == 1 and stock_of(product) == 4
    different = place_order(customer, [(product, 2)], headers=key)
    assert different.status_code == 422 and different.get_json()["code"] == "idempotency_key_reused"
    assert place_order(customer, product, headers={"Idempotency-Key": "another"}).status_code == 201
    assert order_count() == 2


def test_failed_checkout_frees_the_idempotency_key(client, customer, make_product, place_order):
    product = make_product(stock=1)
    key = {"Idempotency-Key": "retry-me"}
    assert place_order(customer, [(product, 2)], headers=key).status_code == 409
    assert place_order(customer, [(product, 2)], headers=key).status_code == 409
    product_more = make_product(stock=5)
    assert place_order(customer, product_more, headers={"Idempotency-Key": "retry-me-2"}).status_code == 201


def test_order_numbers_are_unique_even_when_the_random_part_collides(customer, make_product, place_order, monkeypatch):
    from kastoma.orders import checkout

    first = place_order(customer, make_product(stock=5)).get_json()["data"]["order_number"]
    candidates = iter([first, first, "KAS-20261124-ZZZZZ9"])
    monkeypatch.setattr(checkout, "generate_order_number", lambda now=None: next(candidates))
    second = place_order(customer, make_product(stock=5))
    assert second.status_code == 201 and second.get_json()["data"]["order_number"] == "KAS-20261124-ZZZZZ9"
    monkeypatch.undo()
    assert len({checkout.generate_order_number() for _ in range(2000)}) == 2000


def test_a_taken_order_number_places_the_cart_order_once_under_another(
    client, customer, auth_headers, make_product, place_order, outbox, monkeypatch
):
    from kastoma.orders import checkout

    taken = place_order(customer, make_product(stock=5)).get_json()["data"]["order_number"]
    headers = auth_headers(customer)
    lamp = make_product("Lamp", stock=5)
    client.post("/api/v1/cart/add_item/", headers=headers, json={"product_id": str(lamp.id), "quantity": 2})
    outbox.clear()
    candidates = iter([taken, "KAS-20261124-ZZZZZ8"])
    monkeypatch.setattr(checkout, "generate_order_number", lambda now=None: next(candidates))

    r = client.post(ORDERS, headers=headers, json={"shipping_address": ADDRESS, "payment_method": "credit_card"})

    assert r.status_code == 201, r.get_json()
    order = r.get_json()["data"]
    assert order["order_number"] == "KAS-20261124-ZZZZZ8" and order["items"][0]["quantity"] == 2
    # The lost attempt left nothing behind: one sale, one history entry, one email, cart emptied.
    assert stock_of(lamp) == 3
    assert [h["to_status"] for h in order["history"]] == ["pending"]
    sales = db.session.scalars(select(StockMovement).where(StockMovement.product_id == lamp.id)).all()
    assert [(m.delta, m.reference) for m in sales if m.reason == "sale"] == [(-2, "KAS-20261124-ZZZZZ8")]
    assert len(outbox) == 1
    assert client.get("/api/v1/cart/", headers=headers).get_json()["data"]["items"] == []


def test_reviews_of_delivered_purchases_are_verified(
    client, customer, staff, make_user, auth_headers, make_product, place_order
):
    product = make_product(stock=5)
    order = place_order(customer, product).get_json()["data"]
    review = {"rating": 5, "title": "Great", "text": "Works well."}
    stranger = client.post(f"/api/v1/products/{product.id}/reviews/", headers=auth_headers(make_user()), json=review)
    assert stranger.status_code == 201 and stranger.get_json()["data"]["is_verified_purchase"] is False
    staff_headers = auth_headers(staff)
    client.patch(f"{ORDERS}{order['id']}/add_tracking/", headers=staff_headers, json={"tracking_number": "T1"})
    for status in ("confirmed", "processing", "shipped", "delivered"):
        r = client.patch(f"{ORDERS}{order['id']}/update_status/", headers=staff_headers, json={"status": status})
        assert r.status_code == 200, r.get_json()
    buyer = client.post(f"/api/v1/products/{product.id}/reviews/", headers=auth_headers(customer), json=review)
    assert buyer.status_code == 201 and buyer.get_json()["data"]["is_verified_purchase"] is True


def test_buy_now_keeps_the_carts_per_line_cap(app, client, customer, auth_headers, make_product, place_order):
    """`items` obey CART_MAX_LINE_QUANTITY and CART_MAX_LINES, duplicates merged first (issue 17, item 4)."""
    product = make_product(stock=1000)
    limit = app.config["CART_MAX_LINE_QUANTITY"]
    for lines in ([(product, 300)], [(product, 60), (product, 60)], [(product, limit + 1)]):
        r = place_order(customer, lines)
        assert r.status_code == 400 and "items" in r.get_json()["errors"], (lines, r.get_json())
    many = [make_product(stock=5) for _ in range(app.config["CART_MAX_LINES"] + 1)]
    r = place_order(customer, [(p, 1) for p in many])
    assert r.status_code == 400 and "different items" in r.get_json()["message"]
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert db.session.get(Product, product.id).stock == 1000
    ok = place_order(customer, [(product, limit - 1), (product, 1)])
    assert ok.status_code == 201 and ok.get_json()["data"]["items"][0]["quantity"] == limit


def test_an_order_ships_only_with_its_tracking_number(client, customer, staff, auth_headers, make_product, place_order):
    """The rule lives in the lifecycle, so the API and the back office agree (issue 18)."""
    order = place_order(customer, make_product(stock=5)).get_json()["data"]
    url, headers = f"{ORDERS}{order['id']}/", auth_headers(staff)
    for status in ("confirmed", "processing"):
        assert client.patch(f"{url}update_status/", headers=headers, json={"status": status}).status_code == 200
    refused = client.patch(f"{url}update_status/", headers=headers, json={"status": "shipped"})
    assert refused.status_code == 400 and "tracking_number" in refused.get_json()["errors"]
    assert client.get(url, headers=headers).get_json()["data"]["status"] == "processing"
    client.patch(f"{url}add_tracking/", headers=headers, json={"tracking_number": "1Z999"})
    shipped = client.patch(f"{url}update_status/", headers=headers, json={"status": "shipped"})
    assert shipped.status_code == 200 and shipped.get_json()["data"]["tracking_number"] == "1Z999"
