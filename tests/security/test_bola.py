"""API1 Broken Object Level Authorization: customer A against every object customer B owns.

Each row is one request A makes on one of B's objects (reads and writes). It must answer the
expected status (404, or 403 on staff routes) with a body byte-identical to the answer for an
id that exists nowhere, with the same headers apart from `X-Request-ID` and `Date` (the error
envelope has no request-specific field: the request id travels only in that header), show
nothing of B's, and leave every table of the database untouched.

Order items and payments have no routes of their own: their ids are never accepted in a path
or body, so they are reached only through their order (the order rows). A route taking an
object id that is not in the tables below fails `test_every_object_route_is_in_the_matrix`.

Earlier single-route checks this matrix generalises (in tests/api/):
test_orders.py::test_customers_see_only_their_orders,
test_addresses.py::test_someone_elses_address_is_indistinguishable_from_a_missing_one,
test_wishlists.py, test_cart.py::test_cart_items_of_others_are_404,
test_reviews.py::test_authors_edit_and_delete_only_their_own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.test_route_inventory import NOT_API
from tests.fixtures.orders import ADDRESS
from tests.security.conftest import API, assert_none, comparable_headers, db_state, envelope_problems, fill, send


@dataclass(frozen=True)
class Attempt:
    endpoint: str
    method: str
    url: str
    body: Any = None
    status: int = 404
    headers: dict[str, str] | None = None
    anonymous: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.url}" + (" (anonymous)" if self.anonymous else "")


BUY = {"items": [{"product_id": "{product_id}", "quantity": 1}], "payment_method": "credit_card"}

BOLA: dict[str, list[Attempt]] = {
    "order": [
        Attempt("orders.OrderDetail", "GET", f"{API}/orders/{{order}}/"),
        Attempt("orders.Cancel", "POST", f"{API}/orders/{{order}}/cancel/", {"note": "not mine"}),
        Attempt("orders.Pay", "POST", f"{API}/orders/{{order}}/pay/", {"provider": "dummy", "token": "tok_visa"}),
        Attempt(
            "orders.Pay",
            "POST",
            f"{API}/orders/{{order}}/pay/",
            {"provider": "dummy", "token": "tok_visa"},
            headers={"Idempotency-Key": "bola-{order}"},
        ),
        Attempt("orders.OrderDetail", "PATCH", f"{API}/orders/{{order}}/", {"internal_notes": "x"}, 403),
        Attempt("orders.OrderDetail", "PUT", f"{API}/orders/{{order}}/", {"internal_notes": "x"}, 403),
        Attempt("orders.OrderDetail", "DELETE", f"{API}/orders/{{order}}/"),
        Attempt("orders.UpdateStatus", "PATCH", f"{API}/orders/{{order}}/update_status/", {"status": "cancelled"}, 403),
        Attempt("orders.AddTracking", "PATCH", f"{API}/orders/{{order}}/add_tracking/", {"tracking_number": "1Z"}, 403),
        Attempt("orders.MarkPaid", "POST", f"{API}/orders/{{order}}/mark_paid/", {}, 403),
    ],
    "address": [
        Attempt("addresses.AddressDetail", "GET", f"{API}/addresses/{{address}}/"),
        Attempt("addresses.AddressDetail", "PATCH", f"{API}/addresses/{{address}}/", {"city": "Elsewhere"}),
        Attempt("addresses.AddressDetail", "PUT", f"{API}/addresses/{{address}}/", ADDRESS),
        Attempt("addresses.AddressDetail", "DELETE", f"{API}/addresses/{{address}}/"),
        Attempt("orders.Orders", "POST", f"{API}/orders/", {**BUY, "shipping_address_id": "{address}"}),
        Attempt(
            "orders.Orders",
            "POST",
            f"{API}/orders/",
            {**BUY, "shipping_address": ADDRESS, "billing_address_id": "{address}"},
        ),
        Attempt(
            "cart.CartCheckout",
            "POST",
            f"{API}/cart/checkout/",
            {"shipping_address_id": "{address}", "payment_method": "credit_card"},
        ),
    ],
    "wishlist": [
        Attempt("wishlists.WishlistDetail", "GET", f"{API}/wishlists/{{wishlist}}/"),
        Attempt("wishlists.WishlistDetail", "GET", f"{API}/wishlists/{{default_wishlist}}/"),
        Attempt("wishlists.WishlistDetail", "GET", f"{API}/wishlists/{{wishlist}}/", anonymous=True),
        Attempt("wishlists.WishlistDetail", "PATCH", f"{API}/wishlists/{{wishlist}}/", {"is_public": True}),
        Attempt("wishlists.WishlistDetail", "DELETE", f"{API}/wishlists/{{wishlist}}/"),
        Attempt(
            "wishlists.WishlistItems", "POST", f"{API}/wishlists/{{wishlist}}/items/", {"product_id": "{product_id}"}
        ),
        Attempt("wishlists.WishlistItemDetail", "DELETE", f"{API}/wishlists/{{wishlist}}/items/{{wishlist_item}}/"),
        # B's item id through A's own wishlist.
        Attempt("wishlists.WishlistItemDetail", "DELETE", f"{API}/wishlists/{{own_wishlist}}/items/{{wishlist_item}}/"),
    ],
    "cart": [
        Attempt("cart.CartById", "GET", f"{API}/cart/{{cart}}/"),
        Attempt("cart.CartById", "GET", f"{API}/cart/{{cart}}/", anonymous=True),
        Attempt("cart.CartById", "PUT", f"{API}/cart/{{cart}}/", {"shipping_method": "express"}),
        Attempt("cart.CartById", "PATCH", f"{API}/cart/{{cart}}/", {"shipping_method": "express"}),
        Attempt("cart.CartById", "DELETE", f"{API}/cart/{{cart}}/"),
        Attempt("cart.CartById", "DELETE", f"{API}/cart/{{cart}}/", anonymous=True),
        Attempt("cart.CartItemDetail", "DELETE", f"{API}/cart/items/{{cart_item}}/"),
        Attempt("cart.UpdateItem", "PATCH", f"{API}/cart/update_item/", {"item_id": "{cart_item}", "quantity": 3}),
        Attempt("cart.RemoveItem", "DELETE", f"{API}/cart/remove_item/", {"item_id": "{cart_item}"}),
        # B's cart id presented as a guest cart token: A sees A's cart, a guest an empty one.
        Attempt("cart.CartDetail", "GET", f"{API}/cart/", status=200, headers={"X-Cart-Token": "{cart}"}),
        Attempt(
            "cart.CartDetail", "GET", f"{API}/cart/", status=200, headers={"X-Cart-Token": "{cart}"}, anonymous=True
        ),
    ],
    "review": [
        Attempt("reviews.ProductReview", "GET", f"{API}/products/{{product}}/reviews/{{review}}/"),
        Attempt("reviews.ProductReview", "GET", f"{API}/products/{{product}}/reviews/{{review}}/", anonymous=True),
        Attempt("reviews.ProductReview", "PATCH", f"{API}/products/{{product}}/reviews/{{review}}/", {"rating": 5}),
        Attempt("reviews.ProductReview", "DELETE", f"{API}/products/{{product}}/reviews/{{review}}/"),
        Attempt("reviews.ReviewModeration", "GET", f"{API}/reviews/{{review}}/", status=403),
        Attempt("reviews.ReviewModeration", "PATCH", f"{API}/reviews/{{review}}/", {"status": "approved"}, 403),
    ],
    "profile": [
        Attempt("users.UserDetail", "GET", f"{API}/users/{{user}}/", status=403),
        Attempt("users.UserDetail", "PATCH", f"{API}/users/{{user}}/", {"first_name": "Mallory"}, 403),
        Attempt("users.UserDetail", "PUT", f"{API}/users/{{user}}/", {"first_name": "Mallory"}, 403),
        Attempt("users.UserDetail", "DELETE", f"{API}/users/{{user}}/", status=403),
        Attempt("profiles.ProfileDetail", "GET", f"{API}/profiles/{{profile}}/"),
        Attempt("profiles.ProfileDetail", "PUT", f"{API}/profiles/{{profile}}/", {"bio": "Mallory"}),
        Attempt("profiles.ProfileDetail", "PATCH", f"{API}/profiles/{{profile}}/", {"bio": "Mallory"}),
        Attempt("profiles.ProfileDetail", "DELETE", f"{API}/profiles/{{profile}}/"),
    ],
}

# Path arguments naming an object some customer owns, and those that do not (and why).
OWNED_ARGS = {"order_id", "address_id", "wishlist_id", "item_id", "review_id", "user_id", "profile_id", "cart_id"}
NOT_OWNED_ARGS = {
    "id_or_slug": "catalogue product or category: public, or staff-only when inactive",
    "variant_id": "catalogue variant",
    "image_id": "catalogue image (staff writes only)",
    "coupon_id": "coupons are managed by staff; nobody owns one",
    "token": "a password-reset secret, not an object id",
    "provider": "webhooks are authenticated by their HMAC signature",
    "key": "a site setting: staff-managed, nobody owns one",
    "name": "an email template: staff-managed, nobody owns one",
}


def call(client, world, attempt: Attempt, ids: dict[str, str]):
    headers = {} if attempt.anonymous else dict(world.a.headers)
    headers.update(fill(attempt.headers or {}, ids))
    return send(client, attempt.method, fill(attempt.url, ids), headers=headers, json=fill(attempt.body, ids))


@pytest.mark.parametrize("kind", sorted(BOLA))
def test_customer_a_cannot_tell_bs_objects_from_missing_ones(client, world, kind):
    failures = []
    for attempt in BOLA[kind]:
        before = db_state()
        theirs = call(client, world, attempt, world.ids_of(world.b))
        missing = call(client, world, attempt, world.missing_ids())
        viewer = None if attempt.anonymous else world.a
        checks = {
            f"status {theirs.status_code}, expected {attempt.status}": theirs.status_code == attempt.status,
            "body differs from a missing id's": theirs.data == missing.data,
            "headers differ from a missing id's": comparable_headers(theirs) == comparable_headers(missing),
            f"envelope: {envelope_problems(theirs)}": not envelope_problems(theirs),
            f"shows {world.leaks(theirs, viewer)}": not world.leaks(theirs, viewer),
            "the database changed": db_state() == before,
        }
        failures += [(str(attempt), problem) for problem, passed in checks.items() if not passed]
    assert_none(failures)


def test_every_object_route_is_in_the_matrix(app):
    """A new route taking an object id fails here until it has a BOLA row (or a reason)."""
    covered = {(a.endpoint, a.method) for attempts in BOLA.values() for a in attempts}
    unlisted, unknown_args = [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(NOT_API) or not rule.rule.startswith(f"{API}/"):
            continue
        unknown_args += [(rule.rule, arg) for arg in rule.arguments - OWNED_ARGS - set(NOT_OWNED_ARGS)]
        if rule.arguments & OWNED_ARGS:
            methods = rule.methods - {"HEAD", "OPTIONS"}
            unlisted += [(rule.endpoint, m) for m in sorted(methods) if (rule.endpoint, m) not in covered]
    assert unknown_args == [], "classify these path arguments in OWNED_ARGS or NOT_OWNED_ARGS"
    assert unlisted == [], "add BOLA rows for these routes"
