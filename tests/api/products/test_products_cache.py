"""Catalogue caching: every write is visible on the next read, ETag/304, Cache-Control, outages.
The queries per page and per product are counted in test_query_counts.py."""

from __future__ import annotations

import pytest
import redis.exceptions

from kastoma.extensions import cache, db

PRODUCTS = "/api/v1/products/"


@pytest.fixture
def staff_headers(staff, auth_headers):
    return auth_headers(staff)


def test_reads_are_served_from_the_cache(client, make_product, queries):
    make_product("Kettle", images=["https://img.example/k.png"])
    for url in (PRODUCTS, f"{PRODUCTS}kettle/", "/api/v1/categories/tree/", f"{PRODUCTS}kettle/reviews/"):
        first = client.get(url)
        client.get(url)  # a body is stored on its URL's second request
        queries.clear()
        third = client.get(url)
        assert third.status_code == 200 and third.data == first.data
        assert queries == [], f"{url} was not cached"


def test_a_url_asked_for_once_is_not_stored(client, make_product, monkeypatch):
    """Most uncached URLs (a search's own text, a deep page) are asked for once: their bodies
    would fill the cache for nothing."""
    from kastoma.products import cache as catalogue_cache

    stored = []
    real_set = catalogue_cache.cache_set
    monkeypatch.setattr(catalogue_cache, "cache_set", lambda key, value: stored.append(key) or real_set(key, value))
    make_product("Kettle")
    for n in range(3):
        assert client.get(f"{PRODUCTS}?search=kettle&_seen={n}").status_code == 200
    assert stored == []
    again = client.get(f"{PRODUCTS}?search=kettle&_seen=1")
    assert len(stored) == 1 and stored[0].startswith("catalogue:response:")
    queries_free = client.get(f"{PRODUCTS}?search=kettle&_seen=1")
    assert queries_free.data == again.data and len(stored) == 1


def test_a_url_stored_before_is_stored_at_once_after_a_write(client, staff_headers, make_product, queries):
    """After a catalogue write, a URL whose body was stored under the older version is stored
    again on its first request (no second miss for every page after each write)."""
    make_product("Kettle")
    for _ in range(2):
        client.get(PRODUCTS)
    assert client.patch(f"{PRODUCTS}kettle/", headers=staff_headers, json={"name": "Renamed"}).status_code == 200
    assert client.get(PRODUCTS).get_json()["data"][0]["name"] == "Renamed"
    queries.clear()
    hit = client.get(PRODUCTS)
    assert queries == [] and hit.get_json()["data"][0]["name"] == "Renamed"


def test_every_write_is_visible_on_the_very_next_read(client, staff_headers, customer, auth_headers, make_product):
    product = make_product("Kettle", price="10.00", stock=5, variants=[])
    detail = f"{PRODUCTS}kettle/"

    def read(url=detail):
        return client.get(url).get_json()["data"]

    read(), read(PRODUCTS), read("/api/v1/categories/tree/")  # warm the cache
    client.patch(detail, headers=staff_headers, json={"price": "12.00"})
    assert read()["price"] == "12.00" and read(PRODUCTS)[0]["price"] == "12.00"

    client.post(f"{detail}update_stock/", headers=staff_headers, json={"delta": -2, "reason": "damage"})
    assert read()["stock"] == 3 and read(PRODUCTS)[0]["stock"] == 3

    client.post(f"{detail}images/", headers=staff_headers, json={"url": "https://img.example/new.png"})
    assert read(PRODUCTS)[0]["image_url"] == "https://img.example/new.png"

    review = client.post(f"{detail}reviews/", headers=auth_headers(customer), json={"rating": 2}).get_json()["data"]
    assert read()["rating"]["count"] == 0
    client.patch(f"/api/v1/reviews/{review['id']}/", headers=staff_headers, json={"status": "approved"})
    assert read()["rating"]["count"] == 1 and len(read(f"{detail}reviews/")) == 1

    client.patch(f"/api/v1/categories/{product.category_id}/", headers=staff_headers, json={"name": "Kitchen"})
    assert read("/api/v1/categories/tree/")[0]["name"] == "Kitchen" and read()["category"]["name"] == "Kitchen"

    created = client.post(
        PRODUCTS,
        headers=staff_headers,
        json={"name": "Toaster", "sku": "T-1", "price": "30.00", "category_id": str(product.category_id)},
    )
    assert created.status_code == 201
    assert [p["name"] for p in read(PRODUCTS)] == ["Toaster", "Kettle"]
    assert read("/api/v1/categories/tree/")[0]["product_count"] == 2

    client.delete(detail, headers=staff_headers)
    assert client.get(detail).status_code == 404 and [p["name"] for p in read(PRODUCTS)] == ["Toaster"]


def test_writes_outside_the_api_invalidate_too(client, make_product):
    """Order code and the back office change models directly; a commit is enough."""
    from kastoma.products import inventory
    from kastoma.products.models import Product, StockReason

    product = make_product("Kettle", stock=5)
    assert client.get(f"{PRODUCTS}kettle/").get_json()["data"]["stock"] == 5
    inventory.change_stock(product, -1, StockReason.SALE, reference="KAS-1")
    db.session.commit()
    assert client.get(f"{PRODUCTS}kettle/").get_json()["data"]["stock"] == 4
    db.session.get(Product, product.id).name = "Electric Kettle"
    db.session.commit()
    assert client.get(f"{PRODUCTS}kettle/").get_json()["data"]["name"] == "Electric Kettle"


def test_etags_and_conditional_requests(client, staff_headers, make_product):
    make_product("Kettle")
    first = client.get(PRODUCTS)
    etag = first.headers["ETag"]
    assert etag and first.headers["Cache-Control"] == "public, max-age=60"
    assert "Authorization" in first.headers["Vary"]
    not_modified = client.get(PRODUCTS, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == etag
    assert client.get(PRODUCTS, headers={"If-None-Match": '"something-else"'}).status_code == 200

    client.patch(f"{PRODUCTS}kettle/", headers=staff_headers, json={"name": "Kettle 2"})
    changed = client.get(PRODUCTS, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag

    detail = client.get(f"{PRODUCTS}kettle/")
    assert client.get(f"{PRODUCTS}kettle/", headers={"If-None-Match": detail.headers["ETag"]}).status_code == 304


def test_cache_control_tells_private_from_public(client, staff_headers, customer, auth_headers, make_product):
    make_product("Kettle")
    signed_in = client.get(PRODUCTS, headers=auth_headers(customer))
    assert signed_in.status_code == 200 and signed_in.headers["Cache-Control"] == "private, max-age=60"
    staff_view = client.get(f"{PRODUCTS}?include_inactive=true", headers=staff_headers)
    assert staff_view.headers["Cache-Control"] == "private, no-store"
    staff_only = client.get(f"{PRODUCTS}low_stock/", headers=staff_headers)
    assert staff_only.headers["Cache-Control"] == "private, no-store"


def test_only_public_answers_are_served_from_the_cache(client, staff_headers, make_product, queries):
    """Cached bodies are answered before arguments are parsed: only public 200s may be stored."""
    make_product("Kettle")
    make_product("Old kettle", is_active=False)
    staff_url = f"{PRODUCTS}?include_inactive=true"
    assert len(client.get(staff_url, headers=staff_headers).get_json()["data"]) == 2
    anonymous = client.get(staff_url)
    assert anonymous.status_code == 401 and anonymous.get_json()["code"] == "token_missing"

    for _ in range(2):  # the first 400 was not stored: the second is parsed again
        invalid = client.get(f"{PRODUCTS}?page_size=1000")
        assert invalid.status_code == 400 and "page_size" in invalid.get_json()["errors"]

    client.get(PRODUCTS)
    client.get(PRODUCTS)
    queries.clear()
    hit = client.get(PRODUCTS)
    assert queries == [] and hit.headers["Cache-Control"] == "public, max-age=60"
    assert [p["name"] for p in hit.get_json()["data"]] == ["Kettle"]
    assert hit.headers["X-Content-Type-Options"] == "nosniff" and hit.headers["X-Request-ID"]


@pytest.mark.parametrize("error", [redis.exceptions.ConnectionError("down"), OSError("unreachable")])
def test_a_cache_outage_degrades_to_a_miss(client, staff_headers, make_product, monkeypatch, error):
    make_product("Kettle")
    client.get(PRODUCTS)

    def broken(*args, **kwargs):
        raise error

    for method in ("get", "get_many", "set", "inc", "delete", "delete_many", "add"):
        monkeypatch.setattr(cache.cache, method, broken)
    assert client.get(PRODUCTS).status_code == 200
    created = client.patch(f"{PRODUCTS}kettle/", headers=staff_headers, json={"name": "Renamed"})
    assert created.status_code == 200
    listed = client.get(PRODUCTS)
    assert listed.status_code == 200 and listed.get_json()["data"][0]["name"] == "Renamed"
    assert client.get("/api/v1/categories/tree/").status_code == 200
