"""Listings reuse one SQL statement per shape of query (kastoma/products/filters.py): the values
of every request must still be its own, and the number of kept statements stays bounded."""

from __future__ import annotations

import pytest

from kastoma.products.listing import _count_statement, _page_statement

PRODUCTS = "/api/v1/products/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [p["name"] for p in response.get_json()["data"]]


@pytest.fixture
def shop(make_product, make_category):
    kitchen, garden = make_category("Kitchen"), make_category("Garden")
    make_product("Cheap Mug", price="3.00", category=kitchen, attributes={"color": "red"}, stock=5)
    make_product("Dear Mug", price="30.00", category=kitchen, attributes={"color": "blue"})
    make_product("Cheap Rake", price="4.00", category=garden, attributes={"color": "red"}, stock=2)
    make_product("Dear Rake", price="40.00", category=garden, attributes={"color": "green"}, is_featured=True)


def test_one_statement_serves_every_value_of_a_shape(client, shop):
    _page_statement.cache_clear()
    _count_statement.cache_clear()
    cheap = client.get(PRODUCTS, query_string={"max_price": "5", "ordering": "price"})
    dear = client.get(PRODUCTS, query_string={"max_price": "35", "ordering": "price"})
    assert names(cheap) == ["Cheap Mug", "Cheap Rake"]
    assert names(dear) == ["Cheap Mug", "Cheap Rake", "Dear Mug"]
    assert cheap.get_json()["pagination"]["count"] == 2 and dear.get_json()["pagination"]["count"] == 3
    assert _page_statement.cache_info().currsize == 1 and _count_statement.cache_info().currsize == 1


MUGS, RAKES = ["Cheap Mug", "Dear Mug"], ["Cheap Rake", "Dear Rake"]
CHEAP = ["Cheap Mug", "Cheap Rake"]


@pytest.mark.parametrize(
    ("first", "first_found", "second", "second_found"),
    [
        ({"category": "kitchen"}, MUGS, {"category": "garden"}, RAKES),
        ({"category_tree": "kitchen"}, MUGS, {"category_tree": "garden"}, RAKES),
        ({"attr.color": "red"}, CHEAP, {"attr.color": "blue"}, ["Dear Mug"]),
        ({"in_stock": "true"}, CHEAP, {"in_stock": "false"}, ["Dear Mug", "Dear Rake"]),
        ({"is_featured": "true"}, ["Dear Rake"], {"is_featured": "false"}, ["Cheap Mug", "Cheap Rake", "Dear Mug"]),
        ({"min_price": "35"}, ["Dear Rake"], {"min_price": "4"}, ["Cheap Rake", "Dear Mug", "Dear Rake"]),
        ({"search": "mug"}, MUGS, {"search": "rake"}, RAKES),
    ],
)
def test_each_request_gets_its_own_values(client, shop, first, first_found, second, second_found):
    def listed(params):
        return sorted(names(client.get(PRODUCTS, query_string={**params, "ordering": "name"})))

    assert listed(first) == first_found
    assert listed(second) == second_found
    assert listed(first) == first_found  # the second request left none of its values behind


def test_category_pages_keep_to_their_category(client, shop):
    for slug, products in (("kitchen", ["Cheap Mug", "Dear Mug"]), ("garden", ["Cheap Rake", "Dear Rake"])):
        r = client.get(f"/api/v1/categories/{slug}/products/", query_string={"ordering": "name"})
        assert names(r) == products


def test_cursor_pages_bind_their_own_sort_key(client, shop):
    url = f"{PRODUCTS}?ordering=-price&page_size=1"
    seen, r = [], client.get(url)
    while True:
        seen += names(r)
        cursor = r.get_json()["pagination"]["next_cursor"]
        if not cursor:
            break
        r = client.get(f"{url}&cursor={cursor}")
    assert seen == ["Dear Rake", "Dear Mug", "Cheap Rake", "Cheap Mug"]


def test_the_kept_statements_are_bounded(client, make_product):
    """Attribute keys are part of a shape, so clients choose how many shapes there are."""
    make_product("Mug", attributes={"k0": "x"})
    _page_statement.cache_clear()
    for i in range(_page_statement.cache_info().maxsize + 20):
        assert client.get(PRODUCTS, query_string={f"attr.k{i}": "x"}).status_code == 200
    assert _page_statement.cache_info().currsize == _page_statement.cache_info().maxsize
