"""Correctness under real parallel requests on PostgreSQL: no oversell, coupon limits hold,
one order per Idempotency-Key, no deadlocks. These commit for real (SQLite has no row locks)."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from kastoma.extensions import db
from kastoma.orders import purchasable
from kastoma.orders.models import Cart, CartItem, Coupon, Order
from kastoma.products.models import Product, StockMovement
from kastoma.users.models import User
from tests.fixtures.orders import ORDERS, assert_no_oversell, checkout_call, sold
from tests.live import in_parallel, live_server, request

pytestmark = [pytest.mark.committing, pytest.mark.usefixtures("postgres_only")]


def oversell_round(app, shoppers, make_product) -> tuple[Counter, tuple[int, int, int]]:
    product = make_product(stock=10)
    with live_server(app) as base:
        results = in_parallel(base, [checkout_call(h, [(product, 1)]) for h in shoppers])
    return Counter(r.status for r in results), sold(product)


def test_fifty_parallel_checkouts_for_the_last_ten_units(app, shoppers, make_product):
    for _ in range(5):
        statuses, outcome = oversell_round(app, shoppers, make_product)
        assert_no_oversell(statuses, outcome)
    movements = db.session.scalar(select(func.sum(StockMovement.delta)).where(StockMovement.reason == "sale"))
    assert movements == -50


def test_the_oversell_test_bites_without_the_locking(app, shoppers, make_product, monkeypatch):
    """With a naive read-modify-write decrement (what the original project did), it fails."""

    def unlocked(pairs):
        pairs = list(pairs)
        products = {
            p.id: p
            for p in db.session.scalars(
                select(Product).where(Product.id.in_({p for p, _ in pairs})).execution_options(populate_existing=True)
            )
        }
        return products, {}

    def naive_sell(lines, *, order, actor):
        for product, _variant, quantity in lines:
            current = db.session.scalar(select(Product.stock).where(Product.id == product.id))
            time.sleep(0.02)  # the window every concurrent request walks through
            db.session.execute(update(Product).where(Product.id == product.id).values(stock=max(current - quantity, 0)))

    monkeypatch.setattr(purchasable, "_lock", unlocked)
    monkeypatch.setattr(purchasable, "sell", naive_sell)
    statuses, outcome = oversell_round(app, shoppers, make_product)
    with pytest.raises(AssertionError):
        assert_no_oversell(statuses, outcome)
    assert outcome[0] > 10, "the naive path sells more than it has"


def test_a_single_use_coupon_is_used_once(app, shoppers, make_product, make_coupon):
    coupon = make_coupon(code="ONLYONE", discount_type="fixed", value="5", usage_limit=1)
    product = make_product(price="30.00", stock=100)
    with live_server(app) as base:
        results = in_parallel(base, [checkout_call(h, [(product, 1)], coupon_code="ONLYONE") for h in shoppers[:20]])
    statuses = Counter(r.status for r in results)
    assert statuses == {201: 1, 409: 19}, statuses
    assert {r.body["code"] for r in results if r.status == 409} == {"coupon_exhausted"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Order.id)).where(Order.coupon_code == "ONLYONE")) == 1
    assert db.session.scalar(select(Coupon.times_used).where(Coupon.id == coupon.id)) == 1


def test_one_order_per_idempotency_key(app, shoppers, make_product):
    product = make_product(stock=100)
    call = checkout_call({**shoppers[0], "Idempotency-Key": "double-click"}, [(product, 1)])
    with live_server(app) as base:
        results = in_parallel(base, [call] * 10)
    statuses = Counter(r.status for r in results)
    assert set(statuses) <= {201, 409} and statuses[201] >= 1, statuses
    assert {r.body["code"] for r in results if r.status == 409} <= {"idempotency_in_flight"}
    assert len({r.body["data"]["id"] for r in results if r.status == 201}) == 1
    assert sold(product)[:2] == (1, 1)


def test_overlapping_carts_in_opposite_orders_never_deadlock(app, shoppers, make_product):
    products = [make_product(stock=1000) for _ in range(4)]
    calls = [
        checkout_call(h, [(p, 1) for p in (products if i % 2 else list(reversed(products)))])
        for i, h in enumerate(shoppers[:30])
    ]
    with live_server(app) as base:
        for _ in range(3):
            results = in_parallel(base, calls)
            assert Counter(r.status for r in results) == {201: 30}, [r.body for r in results if r.status != 201][:2]
    for product in products:
        assert sold(product) == (90, 90, 910)


def test_parallel_adds_to_one_cart_make_one_line_with_every_unit(app, customer, auth_headers, make_product):
    """Two tabs adding the same product at once: one line, nothing lost (the cart row is locked)."""
    product = make_product(stock=100)
    headers = auth_headers(customer)
    assert in_parallel_adds(app, headers, product, 1)[0].status == 200  # the cart exists
    results = in_parallel_adds(app, headers, product, 12)
    assert Counter(r.status for r in results) == {200: 12}
    db.session.expire_all()
    lines = db.session.execute(select(CartItem.quantity).where(CartItem.product_id == product.id)).scalars().all()
    assert lines == [13]


def in_parallel_adds(app, headers, product, n):
    call = {
        "method": "POST",
        "path": "/api/v1/cart/add_item/",
        "headers": headers,
        "body": {"product_id": str(product.id)},
    }
    with live_server(app) as base:
        return in_parallel(base, [call] * n)


# --- Issue 17: races found by the independent tests ------------------------------------------


def test_a_capture_racing_a_cancel_never_leaves_the_order_cancelled_and_paid(app, customer, auth_headers, make_product):
    """Item 1: the signed capture and the customer's cancel, released together, in either order."""
    from kastoma.orders.models import Payment
    from kastoma.orders.providers import sign

    headers = auth_headers(customer)
    product = make_product(price="15.99", stock=100)
    with live_server(app) as base:
        for round_ in range(6):
            order = request(base, **checkout_call(headers, [(product, 1)])).body["data"]
            pay = {"provider": "dummy", "token": "tok_processing"}
            charge = request(base, "POST", f"{ORDERS}{order['id']}/pay/", headers=headers, body=pay).body["data"]
            event = {
                "id": f"evt_race_{round_}_{order['id']}",
                "type": "payment.succeeded",
                "data": {"reference": charge["provider_reference"], "amount": charge["amount"], "currency": "USD"},
            }
            webhook = {
                "method": "POST",
                "path": "/api/v1/payments/webhook/dummy/",
                "headers": {"Kastoma-Signature": sign(json.dumps(event).encode())},
                "body": event,
            }
            cancel = {"method": "POST", "path": f"{ORDERS}{order['id']}/cancel/", "headers": headers, "body": {}}
            results = in_parallel(base, [webhook, cancel])
            assert [r.status for r in results] == [200, 200], [r.body for r in results]
            db.session.expire_all()
            final = db.session.get(Order, uuid.UUID(order["id"]))
            assert (final.status.value, final.payment_status.value) == ("cancelled", "refunded")
            [payment] = db.session.scalars(select(Payment).where(Payment.order_id == final.id)).all()
            assert (payment.status, payment.refunded_amount) == ("refunded", payment.amount)
    assert sold(product)[2] == 100, "every cancelled order was restocked, once"


def test_parallel_first_adds_to_a_new_users_cart_keep_every_item(app, customer, auth_headers, make_product):
    """Item 14: the cart does not exist yet; ten adds at once create it once and lose nothing."""
    products = [make_product(stock=10) for _ in range(10)]
    headers = auth_headers(customer)
    calls = [
        {"method": "POST", "path": "/api/v1/cart/add_item/", "headers": headers, "body": {"product_id": str(p.id)}}
        for p in products
    ]
    with live_server(app) as base:
        results = in_parallel(base, calls)
    assert Counter(r.status for r in results) == {200: 10}, [r.body for r in results if r.status != 200]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Cart.id)).where(Cart.user_id == customer.id)) == 1
    assert db.session.scalar(select(func.count(CartItem.id))) == 10


def test_parallel_sign_ups_differing_only_in_case_make_one_account(app):
    """Item 11: one account per username whatever its case; the others get a 400."""
    names = ["Dana", "dana", "DANA", "dAna", "daNa", "danA", "DAna", "daNA"]
    calls = [
        {
            "method": "POST",
            "path": "/api/v1/auth/register/",
            "body": {"username": name, "email": f"dana{n}@example.com", "password": "Sign-Up-Secret-41"},
        }
        for n, name in enumerate(names)
    ]
    with live_server(app) as base:
        results = in_parallel(base, calls)
    assert Counter(r.status for r in results) == {201: 1, 400: 7}, [r.body for r in results]
    assert all("username" in r.body["errors"] for r in results if r.status == 400)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id)).where(func.lower(User.username) == "dana")) == 1


def test_a_wishlist_deleted_and_patched_at_once_is_never_a_500(app, customer, auth_headers):
    """Item 15: the PATCH waits for the DELETE's row lock, then finds the wishlist gone."""
    headers = auth_headers(customer)
    with live_server(app) as base:
        for _ in range(8):
            created = request(base, "POST", "/api/v1/wishlists/", headers=headers, body={"name": "Gifts"})
            path = f"/api/v1/wishlists/{created.body['data']['id']}/"
            results = in_parallel(
                base,
                [
                    {"method": "DELETE", "path": path, "headers": headers},
                    {"method": "PATCH", "path": path, "headers": headers, "body": {"name": "Presents"}},
                ],
            )
            assert {r.status for r in results} <= {200, 404}, [r.body for r in results]
            assert results[0].status == 200


def test_parallel_review_approvals_keep_every_rating(app, staff, make_user, auth_headers, make_product, make_review):
    """Item 17: twelve approvals at once; the product's count and average equal the approved reviews."""
    from kastoma.products.models import Review

    product = make_product()
    reviews = [make_review(product, make_user(), rating=1 + n % 5, status="pending") for n in range(12)]
    headers = auth_headers(staff)
    calls = [
        {"method": "PATCH", "path": f"/api/v1/reviews/{r.id}/", "headers": headers, "body": {"status": "approved"}}
        for r in reviews
    ]
    with live_server(app) as base:
        results = in_parallel(base, calls)
    assert Counter(r.status for r in results) == {200: 12}
    db.session.expire_all()
    fresh = db.session.get(Product, product.id)
    count, average = db.session.execute(
        select(func.count(Review.id), func.avg(Review.rating)).where(Review.product_id == product.id)
    ).one()
    assert (fresh.review_count, str(fresh.rating_average)) == (count, f"{average:.2f}") == (12, "2.75")
