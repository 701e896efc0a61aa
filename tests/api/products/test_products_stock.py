"""Staff stock keeping: update_stock (absolute or delta, with a reason), movements, low stock."""

from __future__ import annotations

import pytest

PRODUCTS = "/api/v1/products/"


@pytest.fixture
def staff_headers(staff, auth_headers):
    return auth_headers(staff)


def test_update_stock_records_every_change(client, staff, staff_headers, make_product):
    make_product("Kettle", stock=10)
    url = f"{PRODUCTS}kettle/update_stock/"
    received = client.post(url, headers=staff_headers, json={"delta": 5, "reason": "purchase", "reference": "PO-7"})
    assert received.status_code == 200, received.get_json()
    data = received.get_json()["data"]
    assert data["stock"] == data["total_stock"] == 15 and received.get_json()["message"] == "Stock updated."
    movement = data["movement"]
    assert (movement["delta"], movement["reason"], movement["reference"], movement["stock_after"]) == (
        5,
        "purchase",
        "PO-7",
        15,
    )
    assert movement["actor"] == {"id": str(staff.id), "username": staff.username}

    counted = client.post(url, headers=staff_headers, json={"stock": 12, "reason": "adjustment", "note": "Count"})
    assert counted.get_json()["data"]["movement"]["delta"] == -3
    same = client.post(url, headers=staff_headers, json={"stock": 12, "reason": "adjustment"})
    assert same.status_code == 200 and same.get_json()["data"]["movement"] is None
    assert same.get_json()["message"] == "Stock unchanged."
    client.post(url, headers=staff_headers, json={"delta": -2, "reason": "damage", "note": "Dropped"})
    client.post(url, headers=staff_headers, json={"delta": 1, "reason": "return"})

    history = client.get(f"{PRODUCTS}kettle/stock_movements/", headers=staff_headers)
    assert history.status_code == 200 and history.headers["Cache-Control"] == "private, no-store"
    moves = history.get_json()["data"]
    assert [(m["reason"], m["delta"], m["stock_after"]) for m in moves] == [
        ("return", 1, 11),
        ("damage", -2, 10),
        ("adjustment", -3, 12),
        ("purchase", 5, 15),
        ("adjustment", 10, 10),  # the initial stock
    ]
    assert history.get_json()["pagination"]["count"] == 5
    damage = client.get(f"{PRODUCTS}kettle/stock_movements/?reason=damage", headers=staff_headers)
    assert [m["note"] for m in damage.get_json()["data"]] == ["Dropped"]
    assert client.get(f"{PRODUCTS}kettle/").get_json()["data"]["stock"] == 11


@pytest.mark.parametrize(
    ("body", "status", "key"),
    [
        ({"delta": -11, "reason": "damage"}, 409, "available"),
        ({"delta": 0, "reason": "adjustment"}, 400, "delta"),
        ({"stock": -1, "reason": "adjustment"}, 400, "stock"),
        ({"stock": 3, "delta": 1, "reason": "adjustment"}, 400, "_schema"),
        ({"reason": "adjustment"}, 400, "_schema"),
        ({"delta": 1}, 400, "reason"),
        ({"delta": 1, "reason": "sale"}, 400, "reason"),  # sales belong to orders
        ({"delta": 1, "reason": "theft"}, 400, "reason"),
        ({"delta": -1, "reason": "purchase"}, 400, "reason"),
        ({"delta": 1, "reason": "damage"}, 400, "reason"),
        ({"stock": 20, "reason": "damage"}, 400, "reason"),
        ({"delta": "lots", "reason": "purchase"}, 400, "delta"),
        ({"delta": 1, "reason": "purchase", "note": "x" * 501}, 400, "note"),
        ({"delta": 1, "reason": "purchase", "warehouse": "B"}, 400, "warehouse"),
    ],
)
def test_bad_stock_updates(client, staff_headers, make_product, body, status, key):
    make_product("Kettle", stock=10)
    r = client.post(f"{PRODUCTS}kettle/update_stock/", headers=staff_headers, json=body)
    assert r.status_code == status, r.get_json()
    assert key in r.get_json()["errors"]
    assert client.get(f"{PRODUCTS}kettle/").get_json()["data"]["stock"] == 10


def test_variant_stock(client, staff_headers, make_product):
    shirt = make_product("Shirt", variants=[{"stock": 2}, {"stock": 5}])
    small, large = shirt.variants
    url = f"{PRODUCTS}shirt/update_stock/"
    needs_variant = client.post(url, headers=staff_headers, json={"delta": 1, "reason": "purchase"})
    assert needs_variant.status_code == 400 and "variant_id" in needs_variant.get_json()["errors"]
    other = make_product("Other", variants=[{"stock": 1}])
    foreign = {"delta": 1, "reason": "purchase", "variant_id": str(other.variants[0].id)}
    assert client.post(url, headers=staff_headers, json=foreign).status_code == 400
    r = client.post(url, headers=staff_headers, json={"delta": 3, "reason": "purchase", "variant_id": str(small.id)})
    data = r.get_json()["data"]
    assert data["stock"] == 5 and data["total_stock"] == 10 and data["variant_id"] == str(small.id)
    assert data["movement"]["variant_sku"] == small.sku
    short = client.post(url, headers=staff_headers, json={"delta": -6, "reason": "damage", "variant_id": str(large.id)})
    assert short.status_code == 409 and short.get_json()["code"] == "insufficient_stock"
    assert short.get_json()["errors"]["available"] == 5


def test_low_stock_uses_each_products_threshold(client, staff_headers, make_product):
    make_product("Plenty", stock=50, low_stock_threshold=10)
    make_product("Few", stock=3, low_stock_threshold=5)
    make_product("Edge", stock=10, low_stock_threshold=10)
    make_product("None Left", stock=0)
    make_product("Gone", stock=0, is_active=False)
    make_product("Sizes", low_stock_threshold=4, variants=[{"stock": 30}, {"stock": 2}])
    make_product("Big Sizes", low_stock_threshold=4, variants=[{"stock": 30}, {"stock": 20}])
    r = client.get(f"{PRODUCTS}low_stock/", headers=staff_headers)
    assert r.status_code == 200
    rows = r.get_json()["data"]
    assert [p["name"] for p in rows] == ["None Left", "Few", "Edge", "Sizes"]
    assert rows[1]["low_stock_threshold"] == 5
    assert [v["stock"] for v in rows[3]["variants"]] == [30, 2]
