"""API3 Broken Object Property Level Authorization: what a customer may write, and may read.

Writes: a customer sending a protected property (role, ownership, prices, stock, order status,
totals, payment status, internal notes, review approval) on any route they can reach gets a
400 naming it (every request schema refuses unknown fields), or a 403 where only staff may
write at all, and the database is unchanged. `users/me/` is already covered by
tests/api/users/test_account.py::test_customers_cannot_mass_assign_protected_fields and registration by
tests/api/users/test_auth.py::test_register_validation; order edits by
tests/api/orders/test_orders.py::test_customers_cannot_edit_orders.

Reads: customer A (and anonymous) visit every GET route they may call, read from the app's URL
map, with A's own objects, B's public ones and filters naming B's data. No response may carry
internal notes, a password or hash, another user's email, or any of B's private texts.
"""

from __future__ import annotations

import itertools

from tests.api.test_route_inventory import CUSTOMER, PUBLIC, ROUTES
from tests.conftest import DEFAULT_PASSWORD
from tests.fixtures.orders import ADDRESS
from tests.security.conftest import API, assert_none, db_state, envelope_problems, fill, send

BUY = {
    "items": [{"product_id": "{product_id}", "quantity": 1}],
    "shipping_address": ADDRESS,
    "payment_method": "paypal",
}
FROM_CART = {"shipping_address": ADDRESS, "payment_method": "paypal"}
PAY = {"provider": "dummy", "token": "tok_visa"}
A_REVIEW = f"{API}/products/{{product}}/reviews/{{review}}/"
NEW_REVIEW = f"{API}/products/{{other_product}}/reviews/"

# (method, url, body, the protected field, expected status); `{...}` are A's objects, `{b_...}` B's.
PROTECTED_WRITES: dict[str, list[tuple]] = {
    "profile and account": [
        ("PATCH", f"{API}/profiles/me/", {"user_id": "{b_user}"}, "user_id", 400),
        ("PATCH", f"{API}/profiles/me/", {"avatar": "../../config.py"}, "avatar", 400),
        ("PATCH", f"{API}/profiles/me/", {"is_complete": True}, "is_complete", 400),
        (
            "POST",
            f"{API}/profile/change-password/",
            {"current_password": DEFAULT_PASSWORD, "new_password": "Another-Long-Secret-77", "role": "admin"},
            "role",
            400,
        ),
        ("PATCH", f"{API}/users/{{user}}/", {"role": "admin"}, "role", 403),
        ("PATCH", f"{API}/users/{{user}}/", {"is_active": False}, "is_active", 403),
    ],
    "addresses and wishlists": [
        ("POST", f"{API}/addresses/", {**ADDRESS, "user_id": "{b_user}"}, "user_id", 400),
        ("PATCH", f"{API}/addresses/{{address}}/", {"user_id": "{b_user}"}, "user_id", 400),
        ("POST", f"{API}/wishlists/", {"name": "Mine", "is_default": True}, "is_default", 400),
        ("PATCH", f"{API}/wishlists/{{wishlist}}/", {"is_default": True}, "is_default", 400),
        ("PATCH", f"{API}/wishlists/{{wishlist}}/", {"user_id": "{b_user}"}, "user_id", 400),
        (
            "POST",
            f"{API}/wishlists/{{wishlist}}/items/",
            {"product_id": "{other_product_id}", "wishlist_id": "{b_wishlist}"},
            "wishlist_id",
            400,
        ),
    ],
    "reviews": [
        ("POST", NEW_REVIEW, {"rating": 5, "status": "approved"}, "status", 400),
        ("POST", NEW_REVIEW, {"rating": 5, "is_approved": True}, "is_approved", 400),
        ("POST", NEW_REVIEW, {"rating": 5, "is_verified_purchase": True}, "is_verified_purchase", 400),
        ("POST", NEW_REVIEW, {"rating": 5, "user_id": "{b_user}"}, "user_id", 400),
        ("PATCH", A_REVIEW, {"status": "approved"}, "status", 400),
        ("PATCH", A_REVIEW, {"is_approved": True}, "is_approved", 400),
        ("PATCH", A_REVIEW, {"product_id": "{other_product_id}"}, "product_id", 400),
        ("PATCH", f"{API}/reviews/{{review}}/", {"status": "approved"}, "status", 403),
    ],
    "catalogue": [
        ("PATCH", f"{API}/products/{{product}}/", {"price": "0.01"}, "price", 403),
        ("POST", f"{API}/products/{{product}}/update_stock/", {"stock": 9999, "reason": "adjustment"}, "stock", 403),
        ("POST", f"{API}/cart/add_item/", {"product_id": "{product_id}", "price": "0.01"}, "price", 400),
        (
            "PATCH",
            f"{API}/cart/update_item/",
            {"item_id": "{cart_item}", "quantity": 1, "unit_price": "0.01"},
            "unit_price",
            400,
        ),
        ("POST", f"{API}/orders/validate_coupon/", {"code": "NOPE", "discount": "100.00"}, "discount", 400),
    ],
    "orders and payments": [
        ("POST", f"{API}/orders/", {**BUY, "payment_status": "paid"}, "payment_status", 400),
        ("POST", f"{API}/orders/", {**BUY, "internal_notes": "VIP"}, "internal_notes", 400),
        ("POST", f"{API}/orders/", {**BUY, "subtotal": "0.01"}, "subtotal", 400),
        ("POST", f"{API}/orders/", {**BUY, "discount_amount": "30.00"}, "discount_amount", 400),
        ("POST", f"{API}/orders/", {**BUY, "user_id": "{b_user}"}, "user_id", 400),
        ("POST", f"{API}/orders/", {**BUY, "order_number": "KAS-1"}, "order_number", 400),
        (
            "POST",
            f"{API}/orders/",
            {**BUY, "items": [{"product_id": "{product_id}", "quantity": 1, "unit_price": "0.01"}]},
            "items",
            400,
        ),
        ("POST", f"{API}/cart/checkout/", {**FROM_CART, "total": "0.01"}, "total", 400),
        ("POST", f"{API}/cart/checkout/", {**FROM_CART, "status": "delivered"}, "status", 400),
        ("POST", f"{API}/orders/{{order}}/cancel/", {"status": "refunded"}, "status", 400),
        ("POST", f"{API}/orders/{{order}}/pay/", {**PAY, "amount": "0.01"}, "amount", 400),
        ("POST", f"{API}/orders/{{order}}/pay/", {**PAY, "status": "succeeded"}, "status", 400),
        ("PATCH", f"{API}/orders/{{order}}/", {"internal_notes": "VIP"}, "internal_notes", 403),
        ("PATCH", f"{API}/orders/{{order}}/update_status/", {"status": "delivered"}, "status", 403),
        ("POST", f"{API}/orders/{{order}}/mark_paid/", {}, "payment_status", 403),
    ],
}


def placeholders(world) -> dict[str, str]:
    b = world.b.ids
    return {
        **world.ids_of(world.a),
        "other_product": world.variant_product.slug,
        "other_product_id": str(world.variant_product.id),
        "b_user": b["user"],
        "b_wishlist": b["wishlist"],
    }


def test_customers_cannot_write_protected_properties(client, world):
    values = placeholders(world)
    failures = []
    for method, url, body, field, status in itertools.chain.from_iterable(PROTECTED_WRITES.values()):
        before = db_state()
        r = send(client, method, fill(url, values), headers=world.a.headers, json=fill(body, values))
        errors = (r.get_json() or {}).get("errors") or {}
        named = status != 400 or field in errors
        problems = envelope_problems(r) + world.leaks(r, world.a) + ([] if db_state() == before else ["db changed"])
        if r.status_code != status or not named or problems:
            failures.append((method, url, field, r.status_code, errors, problems))
    assert_none(failures)


# Consistent sets of path arguments: what customer A may look at, and what anyone may.
def tour_contexts(world, viewer, guest_cart: str | None = None) -> list[dict[str, str]]:
    a, b = world.a.ids, world.b.ids
    public = [
        {
            "product": world.product.slug,
            "category": world.product.category.slug,
            "review_id": world.approved_review,
            "wishlist_id": b["public_wishlist"],
        },
        {"product": world.variant_product.slug, "variant_id": str(world.variant_product.variants[0].id)},
    ]
    if viewer is None:
        return [*public, {"cart_id": guest_cart}] if guest_cart else public
    own = {
        "order_id": a["order"],
        "address_id": a["address"],
        "wishlist_id": a["wishlist"],
        "review_id": a["review"],
        "product": world.product.slug,
        "profile_id": a["profile"],
        "cart_id": a["cart"],
    }
    return [*public, own, {"wishlist_id": a["default_wishlist"]}]


QUERIES = {"products.ProductSearch": "?q=Matrix"}


def tour_urls(app, world, viewer, classes: set[str], guest_cart: str | None = None) -> list[str]:
    """Every GET route of these classes, once per context that fills its arguments (a route no
    context can fill is a failure: give the tour a value for it)."""
    adapter = app.url_map.bind("localhost")
    urls, unfillable = [], []
    for rule in app.url_map.iter_rules():
        if ROUTES.get(rule.endpoint, {}).get("GET") not in classes:
            continue
        catalogue = "category" if rule.endpoint.startswith("categories.") else "product"
        keys = {arg: catalogue if arg == "id_or_slug" else arg for arg in rule.arguments}
        built = {
            adapter.build(rule.endpoint, {arg: context[key] for arg, key in keys.items()}, method="GET")
            for context in tour_contexts(world, viewer, guest_cart)
            if all(key in context for key in keys.values())
        }
        unfillable += [] if built else [rule.endpoint]
        urls += [url + QUERIES.get(rule.endpoint, "") for url in sorted(built)]
    assert unfillable == [], "give tour_contexts values for these routes' arguments"
    return urls


def test_what_customers_and_anonymous_see_leaks_nothing(app, client, world):
    b = world.b
    filters_naming_b = [
        f"{API}/orders/?email={b.user.email}",
        f"{API}/orders/?search={b.ids['order_number']}",
        f"{API}/orders/?status=confirmed&payment_status=paid",
        f"{API}/products/{world.product.slug}/reviews/?page_size=100",
    ]
    guest = client.post(f"{API}/cart/")
    guest_headers = {"X-Cart-Token": guest.headers["X-Cart-Token"]}
    tours = [
        (world.a, tour_urls(app, world, world.a, {PUBLIC, CUSTOMER}) + filters_naming_b),
        (None, tour_urls(app, world, None, {PUBLIC}, guest.get_json()["data"]["id"])),
    ]
    failures = []
    for viewer, urls in tours:
        for url in urls:
            r = send(client, "GET", url, headers=viewer.headers if viewer else guest_headers)
            problems = world.leaks(r, viewer) + (envelope_problems(r) if url.startswith(API) else [])
            if r.status_code != 200 or problems:
                failures.append((viewer.name if viewer else "anonymous", url, r.status_code, problems))
    assert_none(failures)
    assert len(tours[0][1]) > 40 and len(tours[1][1]) > 20, "the tour lost its routes"
