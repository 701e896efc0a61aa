"""Products: listing fields, detail, filters, ordering, page and cursor pagination, 404s."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from kastoma.extensions import db

PRODUCTS = "/api/v1/products/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [p["name"] for p in response.get_json()["data"]]


def test_list_shows_active_products_as_cards(client, make_product, make_category):
    audio = make_category("Audio")
    headphones = make_product(
        "Headphones", price="59.90", stock=4, category=audio, images=["https://img.example/h.png"]
    )
    make_product(
        "Shirt",
        price="15.00",
        category=audio,
        variants=[{"stock": 3}, {"price": "18.50", "stock": 2}, {"price": "99.00", "stock": 9, "is_active": False}],
    )
    make_product("Hidden", is_active=False)

    r = client.get(PRODUCTS)
    body = r.get_json()
    assert body["success"] is True and body["pagination"]["count"] == 2
    cards = {p["name"]: p for p in body["data"]}
    assert set(cards) == {"Headphones", "Shirt"}
    card = cards["Headphones"]
    assert card["id"] == str(headphones.id) and card["slug"] == "headphones"
    assert card["price"] == "59.90" and card["price_range"] == {"min": "59.90", "max": "59.90"}
    assert card["stock"] == 4 and card["in_stock"] is True and card["has_variants"] is False
    assert card["category"] == {"id": str(audio.id), "name": "Audio", "slug": "audio"}
    assert card["image_url"] == "https://img.example/h.png" and card["rating"] == {"average": 0.0, "count": 0}
    shirt = cards["Shirt"]
    # Inactive variants count neither in the price range nor in the stock.
    assert shirt["has_variants"] is True and shirt["stock"] == 5
    assert shirt["price_range"] == {"min": "15.00", "max": "18.50"}


def test_detail_by_id_or_slug(client, make_product, make_category, make_review, make_user):
    shoes = make_category("Shoes")
    product = make_product(
        "Trail Runner",
        category=shoes,
        description="Grippy.",
        attributes={"color": "red"},
        variants=[{"name": "41", "stock": 2}, {"name": "42", "stock": 0, "is_active": False}],
        images=["https://img.example/1.png", "https://img.example/2.png"],
    )
    related = make_product("Sandal", category=shoes)
    make_product("Old Sandal", category=shoes, is_active=False)
    make_product("Elsewhere")
    for rating, status in ((5, "approved"), (4, "approved"), (1, "pending"), (2, "hidden")):
        make_review(product, make_user(), rating, status)

    by_id = client.get(f"{PRODUCTS}{product.id}/")
    by_slug = client.get(f"{PRODUCTS}trail-runner/")
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.get_json()["data"] == by_slug.get_json()["data"]
    data = by_id.get_json()["data"]
    assert data["description"] == "Grippy." and data["attributes"] == {"color": "red"}
    assert [v["name"] for v in data["variants"]] == ["41"]
    assert [i["image_url"] for i in data["images"]] == ["https://img.example/1.png", "https://img.example/2.png"]
    assert [i["is_primary"] for i in data["images"]] == [True, False]
    # Only approved reviews count.
    assert data["rating"] == {"average": 4.5, "count": 2, "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}}
    assert [p["id"] for p in data["related"]] == [str(related.id)]


def test_a_product_has_the_same_card_everywhere(client, staff, auth_headers, make_product, make_category, make_review):
    """Lists build cards from rows, a product's page and low stock from loaded products."""
    kitchen = make_category("Kitchen")
    make_product("Kettle", price="20.00", stock=2, category=kitchen, images=["https://img.example/k.png"])
    make_product(
        "Mug",
        price="4.50",
        compare_at_price=Decimal("6.00"),
        category=kitchen,
        is_featured=True,
        variants=[{"stock": 1}, {"price": "5.25", "stock": 0}],
    )
    make_review(make_product("Teapot", category=kitchen), staff, 4, "approved")
    make_product("Spoon", category=kitchen, is_active=False)
    staff_headers = auth_headers(staff)

    listed = client.get(f"{PRODUCTS}?include_inactive=true", headers=staff_headers).get_json()["data"]
    assert {card["name"] for card in listed} == {"Kettle", "Mug", "Teapot", "Spoon"}
    low_stock = {p["id"]: p for p in client.get(f"{PRODUCTS}low_stock/", headers=staff_headers).get_json()["data"]}
    for card in listed:
        page = client.get(f"{PRODUCTS}{card['id']}/?include_inactive=true", headers=staff_headers).get_json()["data"]
        page_card = {key: page[key] for key in card}
        assert page_card | {"rating": card["rating"]} == card
        assert {key: page["rating"][key] for key in card["rating"]} == card["rating"]
        for related in page["related"]:
            assert related == next(c for c in listed if c["id"] == related["id"])
        if card["id"] in low_stock:
            assert {key: low_stock[card["id"]][key] for key in card} == card
    assert len(low_stock) >= 2 and len(page["related"]) >= 1
    mug = next(card for card in listed if card["name"] == "Mug")
    assert mug["compare_at_price"] == "6.00" and mug["price_range"] == {"min": "4.50", "max": "5.25"}
    assert mug["is_featured"] is True and mug["image_url"] is None


@pytest.mark.parametrize(
    "ref", [str(uuid.uuid4()), "no-such-product", "x" * 300, "bad%00id", "caf%C3%A9", "%27%20OR%201%3D1--"]
)
def test_unknown_products_are_404_in_the_envelope(client, ref):
    for suffix in ("", "variants/", "images/", "reviews/"):
        r = client.get(f"{PRODUCTS}{ref}/{suffix}")
        assert r.status_code == 404, (ref, suffix)
        assert r.get_json() == {
            "success": False,
            "data": None,
            "message": "Product not found.",
            "errors": None,
            "code": "not_found",
        }


def test_category_filters(client, make_product, make_category):
    electronics = make_category("Electronics")
    audio = make_category("Audio", parent=electronics)
    earbuds = make_category("Earbuds", parent=audio)
    books = make_category("Books")
    make_product("TV", category=electronics)
    make_product("Speaker", category=audio)
    make_product("Buds", category=earbuds)
    make_product("Novel", category=books)

    assert sorted(names(client.get(f"{PRODUCTS}?category_tree=electronics"))) == ["Buds", "Speaker", "TV"]
    assert sorted(names(client.get(f"{PRODUCTS}?category_tree={audio.id}"))) == ["Buds", "Speaker"]
    assert names(client.get(f"{PRODUCTS}?category=audio")) == ["Speaker"]
    assert names(client.get(f"{PRODUCTS}?category={books.id}")) == ["Novel"]
    r = client.get(f"{PRODUCTS}?category_tree=nowhere")
    assert r.status_code == 400 and r.get_json()["errors"] == {"category_tree": ["No such category."]}


def test_price_stock_featured_and_date_filters(client, make_product):
    make_product("Cheap", price="5.00", stock=1)
    make_product("Mid", price="50.00", stock=0, is_featured=True)
    make_product("Dear", price="500.00", stock=3)
    # Variant prices count: this one is sold from 20.00 to 80.00.
    make_product("Range", price="20.00", variants=[{"stock": 1}, {"price": "80.00", "stock": 0}])

    assert sorted(names(client.get(f"{PRODUCTS}?min_price=50"))) == ["Dear", "Mid", "Range"]
    assert sorted(names(client.get(f"{PRODUCTS}?max_price=20"))) == ["Cheap", "Range"]
    assert sorted(names(client.get(f"{PRODUCTS}?min_price=60&max_price=100"))) == ["Range"]
    assert sorted(names(client.get(f"{PRODUCTS}?in_stock=true"))) == ["Cheap", "Dear", "Range"]
    assert names(client.get(f"{PRODUCTS}?in_stock=false")) == ["Mid"]
    assert names(client.get(f"{PRODUCTS}?is_featured=true")) == ["Mid"]

    from kastoma.products.models import Product

    old = db.session.scalar(db.select(Product).where(Product.name == "Cheap"))
    old.created_at = datetime(2020, 1, 15, 12, tzinfo=UTC)
    db.session.commit()
    assert names(client.get(f"{PRODUCTS}?created_before=2020-01-15")) == ["Cheap"]
    assert names(client.get(f"{PRODUCTS}?created_before=2020-01-14")) == []
    after = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert "Cheap" not in names(client.get(PRODUCTS, query_string={"created_after": after}))
    assert names(client.get(f"{PRODUCTS}?created_after=2020-01-15T00:00:00Z&created_before=2020-02-01")) == ["Cheap"]


def test_attribute_filters_match_products_and_their_variants(client, make_product):
    make_product("Red Mug", attributes={"color": "Red", "material": "clay"})
    make_product("Blue Mug", attributes={"color": "blue", "material": "clay"})
    make_product("Shirt", variants=[{"attributes": {"color": "red", "size": "M"}}, {"attributes": {"color": "green"}}])
    make_product("Plain")

    assert sorted(names(client.get(f"{PRODUCTS}?attr.color=red"))) == ["Red Mug", "Shirt"]
    assert sorted(names(client.get(f"{PRODUCTS}?attr.color=red&attr.color=blue"))) == ["Blue Mug", "Red Mug", "Shirt"]
    assert names(client.get(f"{PRODUCTS}?attr.color=red&attr.material=clay")) == ["Red Mug"]
    assert names(client.get(f"{PRODUCTS}?attr.size=XXL")) == []


def test_orderings(client, make_product, make_review, make_user):
    from kastoma.products.models import Product

    banana = make_product("Banana", price="3.00")
    apple = make_product("Apple", price="9.00")
    cherry = make_product("Cherry", price="1.00")
    make_review(apple, make_user(), 5)
    make_review(banana, make_user(), 3)
    db.session.get(Product, cherry.id).order_count = 7
    db.session.commit()

    assert names(client.get(f"{PRODUCTS}?ordering=name")) == ["Apple", "Banana", "Cherry"]
    assert names(client.get(f"{PRODUCTS}?ordering=-name")) == ["Cherry", "Banana", "Apple"]
    assert names(client.get(f"{PRODUCTS}?ordering=price")) == ["Cherry", "Banana", "Apple"]
    assert names(client.get(f"{PRODUCTS}?ordering=-price")) == ["Apple", "Banana", "Cherry"]
    assert names(client.get(f"{PRODUCTS}?ordering=created_at")) == ["Banana", "Apple", "Cherry"]
    assert names(client.get(PRODUCTS)) == ["Cherry", "Apple", "Banana"]  # newest first
    assert names(client.get(f"{PRODUCTS}?ordering=-rating")) == ["Apple", "Banana", "Cherry"]
    assert names(client.get(f"{PRODUCTS}?ordering=rating"))[0] == "Cherry"
    assert names(client.get(f"{PRODUCTS}?ordering=-popularity")) == ["Cherry", "Apple", "Banana"]
    r = client.get(f"{PRODUCTS}?ordering=relevance")
    assert r.status_code == 400 and "ordering" in r.get_json()["errors"]


def test_page_pagination(client, make_product):
    for i in range(5):
        make_product(f"P{i}", price=f"{i + 1}.00")
    r = client.get(f"{PRODUCTS}?ordering=price&page=2&page_size=2")
    body = r.get_json()
    assert names(r) == ["P2", "P3"]
    pagination = body["pagination"]
    assert {k: pagination[k] for k in ("count", "page", "page_size", "pages")} == {
        "count": 5,
        "page": 2,
        "page_size": 2,
        "pages": 3,
    }
    assert pagination["next"].startswith("http://localhost/api/v1/products/?") and "page=3" in pagination["next"]
    assert "page=1" in pagination["previous"] and pagination["next_cursor"]
    last = client.get(f"{PRODUCTS}?ordering=price&page=3&page_size=2").get_json()["pagination"]
    assert last["next"] is None and last["next_cursor"] is None
    assert client.get(f"{PRODUCTS}?page_size=101").status_code == 400
    assert client.get(f"{PRODUCTS}?page_size=100").status_code == 200


@pytest.mark.parametrize("ordering", ["-created_at", "price", "-price", "name", "-rating", "-popularity"])
def test_cursor_pages_are_stable_under_inserts(client, make_product, ordering):
    originals = {make_product(f"Item {i:02d}", price=f"{10 + i % 4}.00").name for i in range(9)}
    seen: list[str] = []
    url = f"{PRODUCTS}?ordering={ordering}&page_size=4"
    r = client.get(url)
    cursor = r.get_json()["pagination"]["next_cursor"]
    seen += names(r)
    inserted = 0
    while cursor:
        # New products land before and after the cursor while the client scrolls.
        make_product(f"New {inserted}", price="10.00")
        make_product(f"Newer {inserted}", price="99.00")
        inserted += 1
        r = client.get(f"{url}&cursor={cursor}")
        pagination = r.get_json()["pagination"]
        assert pagination["page"] is None and pagination["previous"] is None
        seen += names(r)
        cursor = pagination["next_cursor"]
        if cursor:
            assert f"cursor={cursor}" in pagination["next"]
    old = [n for n in seen if n.startswith("Item")]
    assert sorted(old) == sorted(originals), "every original item exactly once"


def test_cursor_errors_are_400(client, make_product):
    for i in range(3):
        make_product(f"P{i}")
    cursor = client.get(f"{PRODUCTS}?page_size=1").get_json()["pagination"]["next_cursor"]
    assert client.get(f"{PRODUCTS}?page_size=1&cursor={cursor}").status_code == 200
    for bad in ("not-a-cursor", "eyJvIjoxfQ", cursor[:-3], "%00", "e" * 999):
        r = client.get(f"{PRODUCTS}?cursor={bad}")
        assert r.status_code == 400 and r.get_json()["code"] == "validation_error", bad
    other_ordering = client.get(f"{PRODUCTS}?cursor={cursor}&ordering=price")
    assert other_ordering.status_code == 400 and other_ordering.get_json()["errors"] == {
        "cursor": ["This cursor is invalid or expired."]
    }
    both = client.get(f"{PRODUCTS}?cursor={cursor}&page=2")
    assert both.status_code == 400 and "cursor" in both.get_json()["errors"]


@pytest.mark.parametrize(
    ("ordering", "keys"),
    [
        ("-created_at", ["2026-01-01T00:00:00", str(uuid.uuid4())]),  # naive time
        ("-created_at", ["2026-01-01T00:00:00+00:00", 42]),
        ("name", ["a\u0000b", str(uuid.uuid4())]),
        ("price", ["NaN", str(uuid.uuid4())]),
        ("price", ["1e999999", str(uuid.uuid4())]),
        ("-popularity", [2**40, "1.00", str(uuid.uuid4())]),
        ("-popularity", ["7", "1.00", str(uuid.uuid4())]),
        ("name", [["nested"], str(uuid.uuid4())]),
        ("name", ["x", "not-a-uuid"]),
    ],
)
def test_forged_cursors_are_400_not_500(client, make_product, ordering, keys):
    import base64
    import json

    make_product("P")
    forged = base64.urlsafe_b64encode(json.dumps({"o": ordering, "k": keys}).encode()).decode().rstrip("=")
    r = client.get(PRODUCTS, query_string={"cursor": forged, "ordering": ordering})
    assert r.status_code == 400 and r.get_json()["errors"] == {"cursor": ["This cursor is invalid or expired."]}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min_price=abc", "min_price"),
        ("min_price=-1", "min_price"),
        ("min_price=NaN", "min_price"),
        ("max_price=Infinity", "max_price"),
        ("min_price=1e400", "min_price"),
        ("min_price=10&max_price=5", "max_price"),
        ("in_stock=maybe", "in_stock"),
        ("is_featured=2", "is_featured"),
        ("created_after=yesterday", "created_after"),
        ("created_before=2026-13-45", "created_before"),
        ("created_after=2026-02-01&created_before=2026-01-01", "created_before"),
        ("ordering=price;DROP TABLE products", "ordering"),
        ("page=0", "page"),
        ("page=-3", "page"),
        ("page=abc", "page"),
        ("page_size=0", "page_size"),
        ("category=nope", "category"),
        ("category=%00", "category"),
        ("attr.bad%20key=x", "attributes"),
        ("attr.color=", "attributes"),
        ("search=a%00b", "search"),
        ("search=" + "x" * 201, "search"),
        ("include_inactive=perhaps", "include_inactive"),
    ],
)
def test_invalid_filter_values_are_400(client, query, field):
    r = client.get(f"{PRODUCTS}?{query}")
    assert r.status_code == 400, (query, r.get_json())
    body = r.get_json()
    assert body["success"] is False and body["code"] == "validation_error" and field in body["errors"]


def test_featured_and_popular(client, make_product, make_review, make_user):
    from kastoma.products.models import Product

    star = make_product("Star", is_featured=True)
    make_product("Plain")
    best = make_product("Bestseller")
    make_product("Hidden Star", is_featured=True, is_active=False)
    db.session.get(Product, best.id).order_count = 50
    make_review(star, make_user(), 5)
    featured = client.get(f"{PRODUCTS}featured/")
    assert names(featured) == ["Star"] and featured.get_json()["pagination"]["count"] == 1
    assert names(client.get(f"{PRODUCTS}popular/"))[:2] == ["Bestseller", "Star"]
    assert names(client.get(f"{PRODUCTS}popular/?min_price=11")) == []
