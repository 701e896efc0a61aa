"""SQL statements per request of every benchmark scenario (bench/scenarios.py), and the N+1
guard: a count never depends on how many items a page, a cart or an order holds.

Each measured request starts like a request under gunicorn, which gets a fresh app context:
an empty identity map and an empty `g` (a test's requests would otherwise share its context,
and with it rows memoised in `g` or loaded by the test's own setup). `make bench` records the
same counts against the 100k-product data set.
"""

from __future__ import annotations

import pytest
from flask import g

from kastoma.extensions import cache, db
from tests.fixtures.orders import ADDRESS

PRODUCTS = "/api/v1/products/"
FILTERED = f"{PRODUCTS}?category_tree=electronics&min_price=5&ordering=-price"
SEARCH = f"{PRODUCTS}search/?q=wireless"
TREE = "/api/v1/categories/tree/"
CART = "/api/v1/cart/"
ORDERS = "/api/v1/orders/"
CHECKOUT = {"shipping_address": ADDRESS, "payment_method": "cash_on_delivery"}
PASSWORD = "Correct-Horse-42"


def statements(queries, send, status: int = 200) -> int:
    """How many statements `send()` runs as a request of its own."""
    db.session.expunge_all()
    request_globals = vars(g._get_current_object())
    saved = dict(request_globals)
    request_globals.clear()
    try:
        queries.clear()
        response = send()
    finally:
        request_globals.clear()
        request_globals.update(saved)
    assert response.status_code == status, response.get_json()
    return len(queries)


@pytest.fixture
def catalogue(make_product, make_category, make_review, make_user):
    """50 products under Electronics > Audio, every other one with variants, each with two images
    and a review: {"id", "slug", "variant_id"} each."""
    audio = make_category("Audio", parent=make_category("Electronics"))
    reviewer = make_user()
    products = []
    for i in range(50):
        product = make_product(
            f"Wireless speaker {i}",
            price=f"{10 + i}.00",
            stock=0 if i % 2 else 100,
            category=audio,
            variants=[{"stock": 50}, {"stock": 50, "price": f"{20 + i}.00"}] if i % 2 else None,
            images=[f"https://img.example/{i}-a.png", f"https://img.example/{i}-b.png"],
        )
        make_review(product, reviewer, 4)
        variant_id = str(product.variants[0].id) if product.variants else None
        products.append({"id": str(product.id), "slug": product.slug, "variant_id": variant_id})
    return products


def counts_for_sizes(queries, client, url: str, sizes=(5, 50)) -> dict[int, tuple[int, int, int]]:
    """{page size: (nothing cached, count and tree cached, response cached)}."""
    counts = {}
    for size in sizes:
        cache.clear()
        page = f"{url}&page_size={size}"
        cold = statements(queries, lambda p=page: client.get(p))
        # A never-seen URL with known filters, as the bench's cache-busting `_bench` parameter.
        warm = statements(queries, lambda p=page: client.get(f"{p}&_bench=1"))
        # Asked for again: built once more, and stored this time (a body is stored on its
        # URL's second request).
        assert statements(queries, lambda p=page: client.get(f"{p}&_bench=1")) == warm
        cached = statements(queries, lambda p=page: client.get(f"{p}&_bench=1"))
        counts[size] = (cold, warm, cached)
    return counts


def test_product_list(client, catalogue, queries):
    # Cold: category index, count, page (card rows, primary image joined). Warm: the page.
    assert counts_for_sizes(queries, client, FILTERED) == {5: (3, 1, 0), 50: (3, 1, 0)}


def test_search(client, catalogue, queries):
    # Cold: category index (the cards' categories), count, page with its rank. Warm: the page.
    assert counts_for_sizes(queries, client, SEARCH) == {5: (3, 1, 0), 50: (3, 1, 0)}


def test_product_detail(client, catalogue, queries):
    counts = []
    for product in catalogue[:2]:  # without, then with variants
        cache.clear()
        detail = f"{PRODUCTS}{product['slug']}/"
        counts.append(tuple(statements(queries, lambda d=detail: client.get(d)) for _ in range(3)))
    # Product, variants, images, rating distribution, related products, their primary images;
    # asked for again, the same (and stored); then none.
    assert counts == [(6, 6, 0), (6, 6, 0)]


def test_category_tree(client, catalogue, make_category, queries):
    counts = []
    for extra in (0, 20):
        for i in range(extra):
            make_category(f"More {i}")
        cache.clear()
        counts.append((statements(queries, lambda: client.get(TREE)), statements(queries, lambda: client.get(TREE))))
    assert counts == [(2, 0), (2, 0)]  # the categories, the product counts per category


def fill_cart(client, headers, catalogue, lines: int) -> None:
    for product in catalogue[1 : lines + 1]:
        line = {"product_id": product["id"], "quantity": 1}
        if product["variant_id"]:
            line["variant_id"] = product["variant_id"]
        assert client.post(f"{CART}add_item/", json=line, headers=headers).status_code == 200


@pytest.fixture
def carts(client, catalogue, make_user, auth_headers):
    """{lines: headers of a customer whose cart holds that many lines (variants among them)}."""
    result = {}
    for lines in (1, 10):
        headers = auth_headers(make_user())
        fill_cart(client, headers, catalogue, lines)
        result[lines] = headers
    return result


def test_cart_read(client, carts, queries):
    # The user with its token's revocation, cart with its lines, products, variants. The site
    # settings come from the cache (the add-to-cart views read them).
    assert {n: statements(queries, lambda h=h: client.get(CART, headers=h)) for n, h in carts.items()} == {1: 4, 10: 4}


def test_add_to_cart(client, catalogue, carts, queries):
    body = {"product_id": catalogue[0]["id"]}
    counts = {
        n: statements(queries, lambda h=h: client.post(f"{CART}add_item/", json=body, headers=h))
        for n, h in carts.items()
    }
    # The user with its token's revocation, cart (locked), its lines (read after the lock), the
    # product, INSERT the line; for the view: products and variants (settings: cached).
    assert counts == {1: 7, 10: 7}


def test_checkout_of_one_line(client, carts, queries):
    # The user with its token's revocation, cart with its lines, products and variants locked (the
    # settings are cached); INSERT order, items; the guarded stock UPDATE of the variant, the
    # product's stock_total/order_count UPDATE, the movements INSERT; status history INSERT, cart
    # lines DELETE; after the commit: the email template (once per version of the site
    # configuration: the first order here).
    assert statements(queries, lambda: client.post(ORDERS, json=CHECKOUT, headers=carts[1]), 201) == 12


def test_a_product_sale_moves_stock_and_totals_in_one_statement(client, catalogue, make_user, auth_headers, queries):
    headers = auth_headers(make_user())
    line = {"product_id": catalogue[0]["id"], "quantity": 1}  # a product without variants
    assert client.post(f"{CART}add_item/", json=line, headers=headers).status_code == 200
    statements(queries, lambda: client.post(ORDERS, json=CHECKOUT, headers=headers), 201)
    updates = [q for q in queries if q.startswith("UPDATE products")]
    assert len(updates) == 1 and "stock_total" in updates[0] and "order_count" in updates[0]


def test_checkout_costs_the_same_for_any_number_of_lines(client, catalogue, make_user, auth_headers, queries):
    counts = {}
    first = auth_headers(make_user())
    fill_cart(client, first, catalogue, 1)
    # The first order caches the settings and the email template: both measured orders find them.
    assert client.post(ORDERS, json=CHECKOUT, headers=first).status_code == 201
    # Both hold a product and a variant: both stock tables are updated, and the totals of the
    # products whose variants were sold.
    for lines in (2, 10):
        headers = auth_headers(make_user())
        fill_cart(client, headers, catalogue, lines)
        counts[lines] = statements(queries, lambda h=headers: client.post(ORDERS, json=CHECKOUT, headers=h), 201)
    assert counts[2] == counts[10] == 12, counts


def test_login(client, make_user, queries):
    email = make_user(password=PASSWORD).email
    login = {"email": email, "password": PASSWORD}
    # User; UPDATE last_login_at, INSERT refresh token; the user again after the commit.
    assert statements(queries, lambda: client.post("/api/v1/auth/login/", json=login)) == 4
