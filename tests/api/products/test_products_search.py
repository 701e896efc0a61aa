"""Search through one module on both backends: full-text on PostgreSQL, LIKE on SQLite."""

from __future__ import annotations

import pytest

SEARCH = "/api/v1/products/search/"


@pytest.fixture
def catalogue(make_product, make_category):
    audio = make_category("Audio")
    make_product("Wireless Headphones", sku="WH-1000", category=audio, description="Noise cancelling.", price="99.00")
    make_product("Wired Headphones", sku="HP-200", category=audio, description="A cable, no battery.", price="19.00")
    make_product("Bluetooth Speaker", sku="SPK-7", description="Pairs with your wireless headphones.")
    make_product("Running Shirt", sku="RUN-TEE", description="Breathable fabric for runners.")
    make_product("Café Crème Mug", sku="MUG-1", description="Ceramic.")
    make_product("Wireless Mouse", sku="MS-3", is_active=False)


def found(client, q: str, **params) -> list[str]:
    r = client.get(SEARCH, query_string={"q": q, **params})
    assert r.status_code == 200, r.get_json()
    return [p["name"] for p in r.get_json()["data"]]


def test_words_sku_and_description_match(client, catalogue):
    assert set(found(client, "headphones")) == {"Wireless Headphones", "Wired Headphones", "Bluetooth Speaker"}
    assert found(client, "wh-1000") == ["Wireless Headphones"]
    assert found(client, "breathable") == ["Running Shirt"]
    assert set(found(client, "wireless headphones")) == {"Wireless Headphones", "Bluetooth Speaker"}
    assert found(client, "nothing-like-this") == []


def test_name_matches_rank_above_description_matches(client, catalogue):
    assert found(client, "wireless")[0] == "Wireless Headphones"
    assert found(client, "wireless")[-1] == "Bluetooth Speaker"


def test_as_you_type_prefixes(client, catalogue):
    assert set(found(client, "headph")) == {"Wireless Headphones", "Wired Headphones", "Bluetooth Speaker"}
    # The name match first, by its rank (not by the id that breaks ties).
    assert found(client, "wireless head") == ["Wireless Headphones", "Bluetooth Speaker"]
    assert found(client, "blueto") == ["Bluetooth Speaker"]


def test_exclusions_filters_and_inactive_products(client, catalogue):
    assert found(client, "headphones -wireless") == ["Wired Headphones"]
    assert found(client, "headphones", min_price="50") == ["Wireless Headphones"]
    assert set(found(client, "headphones", category="audio")) == {"Wireless Headphones", "Wired Headphones"}
    assert found(client, "headphones", ordering="price") == [
        "Bluetooth Speaker",
        "Wired Headphones",
        "Wireless Headphones",
    ]
    assert found(client, "mouse") == []
    pages = [found(client, "headphones", page_size="1", page=str(n)) for n in (1, 2, 3, 4)]
    assert sorted(sum(pages, [])) == ["Bluetooth Speaker", "Wired Headphones", "Wireless Headphones"]


def test_unicode(client, catalogue):
    assert found(client, "café") == ["Café Crème Mug"]
    assert found(client, "crème mug") == ["Café Crème Mug"]


def test_relevance_pages_follow_cursors(client, catalogue):
    url = f"{SEARCH}?q=headphones&page_size=1"
    seen, r = [], client.get(url)
    while True:
        body = r.get_json()
        seen += [p["name"] for p in body["data"]]
        cursor = body["pagination"]["next_cursor"]
        if not cursor:
            break
        r = client.get(f"{url}&cursor={cursor}")
        assert r.status_code == 200, r.get_json()
    assert sorted(seen) == ["Bluetooth Speaker", "Wired Headphones", "Wireless Headphones"]


@pytest.mark.parametrize(
    "q",
    [
        "' OR 1=1 --",
        "'; DROP TABLE products; --",
        '"unterminated',
        "100%",
        "under_score",
        "back\\slash",
        "a & b | !c",
        "(((",
        ":*",
        "<->",
        "wireless:*",
        "-",
        "or",
        "the",
        "🎧 headphones",
        "日本語",
        "x" * 200,
        "a b c d e f g h i j k l m n",
    ],
)
def test_hostile_or_odd_input_never_fails(client, catalogue, q):
    r = client.get(SEARCH, query_string={"q": q})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["success"] is True


@pytest.mark.parametrize("q", [None, "", "   ", "a\x00b", "x" * 201, "\x07bell"])
def test_bad_search_text_is_400(client, q):
    r = client.get(SEARCH, query_string={} if q is None else {"q": q})
    assert r.status_code == 400 and "q" in r.get_json()["errors"]


def test_like_wildcards_are_literal(client, make_product):
    make_product("Discount 100% Cotton")
    make_product("Plain Cotton")
    assert found(client, "100%") == ["Discount 100% Cotton"]


def test_postgresql_stems_and_honours_phrases(client, catalogue, postgres_only):
    assert found(client, "shirts") == ["Running Shirt"]
    assert "Running Shirt" in found(client, "runner")
    assert found(client, '"wireless headphones"') == ["Wireless Headphones", "Bluetooth Speaker"]
    assert set(found(client, "speaker or mug")) == {"Bluetooth Speaker", "Café Crème Mug"}


def test_postgresql_ranks_a_partly_typed_word_by_where_it_is(client, make_product, postgres_only):
    """`bask` ranks every name match above every description match (ts_rank would take the
    prefix and the word for one item, and rank them all zero: their order left to their ids)."""
    for n in range(3):
        make_product(f"Wicker Basket {n}", description="For bread.")
        make_product(f"Bread Bin {n}", description="Like a basket, with a lid.")
    names = found(client, "bask")
    assert len(names) == 6 and all(name.startswith("Wicker Basket") for name in names[:3])
    r = client.get(SEARCH, query_string={"q": "bask", "page_size": "2"})
    cursor = r.get_json()["pagination"]["next_cursor"]
    rest = client.get(SEARCH, query_string={"q": "bask", "page_size": "10", "cursor": cursor})
    assert [p["name"] for p in r.get_json()["data"] + rest.get_json()["data"]] == names


def test_postgresql_ranks_all_words_in_the_name_first(client, make_product, postgres_only):
    for n in range(3):
        make_product(f"Red Red Tee {n}", description="A shirt.")
        make_product(f"Red Shirt {n}", description="Cotton.")
    for q in ("red sh", "red shirts"):
        names = found(client, q)
        assert len(names) == 6 and all(name.startswith("Red Shirt") for name in names[:3]), (q, names)
