"""Staff catalogue writes: create, replace, change, deactivate, restore; everyone else is refused."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from kastoma.extensions import db

PRODUCTS = "/api/v1/products/"


@pytest.fixture
def staff_headers(staff, auth_headers):
    return auth_headers(staff)


def new_product(category, **fields):
    return {"name": "Desk Lamp", "sku": "lamp-1", "price": "24.50", "category_id": str(category.id), **fields}


def test_staff_create_a_product(client, staff_headers, make_category):
    from kastoma.products.models import Product, StockMovement

    lighting = make_category("Lighting")
    r = client.post(
        PRODUCTS,
        headers=staff_headers,
        json=new_product(lighting, stock=12, attributes={"color": "brass", "watts": 40}, weight_kg=1.25),
    )
    assert r.status_code == 201, r.get_json()
    data = r.get_json()["data"]
    assert data["slug"] == "desk-lamp" and data["sku"] == "LAMP-1" and data["price"] == "24.50"
    assert data["stock"] == 12 and data["weight_kg"] == 1.25 and data["attributes"]["watts"] == 40
    product = db.session.get(Product, uuid.UUID(data["id"]))
    movement = db.session.scalar(select(StockMovement).where(StockMovement.product_id == product.id))
    assert (movement.delta, movement.reason.value, movement.stock_after, movement.note) == (
        12,
        "adjustment",
        12,
        "Initial stock",
    )
    again = client.post(PRODUCTS, headers=staff_headers, json=new_product(lighting, sku="LAMP-2"))
    assert again.get_json()["data"]["slug"] == "desk-lamp-2"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sku": "LAMP-1"}, "sku"),  # taken, case-insensitively
        ({"sku": "has space"}, "sku"),
        ({"price": "-1.00"}, "price"),
        ({"price": "1.999"}, "price"),
        ({"price": "abc"}, "price"),
        ({"compare_at_price": "10.00"}, "compare_at_price"),
        ({"category_id": str(uuid.uuid4())}, "category_id"),
        ({"slug": "search"}, "slug"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": str(uuid.uuid4())}, "slug"),
        ({"attributes": {"bad key!": 1}}, "attributes"),
        ({"attributes": {"nested": {"a": 1}}}, "attributes"),
        ({"name": ""}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"is_staff_pick": True}, "is_staff_pick"),
        ({"stock": -1}, "stock"),
    ],
)
def test_invalid_products_are_refused(client, staff_headers, make_category, make_product, changes, field):
    category = make_category("Lighting")
    make_product("Existing", sku="lamp-1", category=category)
    r = client.post(PRODUCTS, headers=staff_headers, json={**new_product(category, sku="LAMP-9"), **changes})
    assert r.status_code == 400, r.get_json()
    assert field in r.get_json()["errors"]


def test_patch_and_put(client, staff_headers, make_product, make_category):
    garden = make_category("Garden")
    product = make_product("Rake", price="10.00", attributes={"color": "green"}, description="Sturdy.")
    url = f"{PRODUCTS}{product.id}/"

    patched = client.patch(url, headers=staff_headers, json={"price": "12.00", "is_featured": True})
    assert patched.status_code == 200
    data = patched.get_json()["data"]
    assert data["price_range"] == {"min": "12.00", "max": "12.00"} and data["is_featured"] is True
    assert data["description"] == "Sturdy." and data["attributes"] == {"color": "green"}

    refused = client.patch(url, headers=staff_headers, json={"stock": 99})
    assert refused.status_code == 400
    assert "update_stock" in refused.get_json()["errors"]["stock"][0]

    incomplete = client.put(url, headers=staff_headers, json={"name": "Rake"})
    assert incomplete.status_code == 400 and {"sku", "price", "category_id"} <= set(incomplete.get_json()["errors"])
    replaced = client.put(
        f"{PRODUCTS}rake/",
        headers=staff_headers,
        json={"name": "Leaf Rake", "sku": product.sku, "price": "14.00", "category_id": str(garden.id)},
    )
    assert replaced.status_code == 200
    data = replaced.get_json()["data"]
    # PUT replaces: what was not sent is back to its default; the slug stays.
    assert data["name"] == "Leaf Rake" and data["slug"] == "rake" and data["category"]["slug"] == "garden"
    assert data["description"] == "" and data["attributes"] == {} and data["is_featured"] is False
    renamed = client.patch(url, headers=staff_headers, json={"slug": "leaf-rake"})
    assert renamed.get_json()["data"]["slug"] == "leaf-rake"
    assert client.get(f"{PRODUCTS}leaf-rake/").status_code == 200
    assert client.get(f"{PRODUCTS}rake/").status_code == 404


def test_soft_delete_and_restore(client, staff_headers, customer, auth_headers, make_product):
    from kastoma.products.models import Product

    product = make_product("Vase")
    url = f"{PRODUCTS}{product.id}/"
    r = client.delete(url, headers=staff_headers)
    assert r.status_code == 200 and r.get_json()["message"] == "Product deactivated."
    assert db.session.get(Product, product.id) is not None, "never removed"

    assert client.get(url).status_code == 404
    assert client.get(PRODUCTS).get_json()["data"] == []
    assert client.get(f"{url}?include_inactive=true").status_code == 401
    assert client.get(f"{url}?include_inactive=true", headers=auth_headers(customer)).status_code == 403
    staff_view = client.get(f"{url}?include_inactive=true", headers=staff_headers)
    assert staff_view.status_code == 200 and staff_view.get_json()["data"]["is_active"] is False
    assert staff_view.headers["Cache-Control"] == "private, no-store"
    listed = client.get(f"{PRODUCTS}?include_inactive=true", headers=staff_headers).get_json()["data"]
    assert [p["name"] for p in listed] == ["Vase"]

    restored = client.post(f"{url}restore/", headers=staff_headers)
    assert restored.status_code == 200 and restored.get_json()["data"]["is_active"] is True
    assert client.get(url).status_code == 200


def write_requests(product, variant, image, review, category):
    """Every catalogue write, with a plausible body."""
    p = f"{PRODUCTS}{product.id}"
    return [
        ("post", PRODUCTS, {"name": "X", "sku": "X-1", "price": "1.00", "category_id": str(category.id)}),
        ("put", f"{p}/", {"name": "X", "sku": "X-1", "price": "1.00", "category_id": str(category.id)}),
        ("patch", f"{p}/", {"name": "X"}),
        ("delete", f"{p}/", None),
        ("post", f"{p}/restore/", None),
        ("post", f"{p}/variants/", {"sku": "V-1", "name": "V"}),
        ("put", f"{p}/variants/{variant.id}/", {"sku": "V-2", "name": "V"}),
        ("patch", f"{p}/variants/{variant.id}/", {"name": "V"}),
        ("delete", f"{p}/variants/{variant.id}/", None),
        ("post", f"{p}/images/", {"url": "https://img.example/x.png"}),
        ("patch", f"{p}/images/{image.id}/", {"alt_text": "x"}),
        ("delete", f"{p}/images/{image.id}/", None),
        ("post", f"{p}/update_stock/", {"delta": 1, "reason": "purchase"}),
        ("patch", f"/api/v1/reviews/{review.id}/", {"status": "approved"}),
        ("post", "/api/v1/categories/", {"name": "New"}),
        ("put", f"/api/v1/categories/{category.id}/", {"name": "New"}),
        ("patch", f"/api/v1/categories/{category.id}/", {"name": "New"}),
        ("delete", f"/api/v1/categories/{category.id}/", None),
    ]


def test_every_write_needs_staff(client, customer, auth_headers, make_product, make_category, make_review):
    from kastoma.products.models import ProductImage

    category = make_category("Things")
    product = make_product("Thing", category=category, variants=[{"stock": 1}], images=["https://img.example/t.png"])
    variant = product.variants[0]
    image = db.session.scalar(select(ProductImage).where(ProductImage.product_id == product.id))
    review = make_review(product, customer, 4, "pending")
    customer_headers = auth_headers(customer)
    staff_reads = [f"{PRODUCTS}low_stock/", f"{PRODUCTS}{product.id}/stock_movements/", "/api/v1/reviews/"]
    for method, url, body in write_requests(product, variant, image, review, category):
        anonymous = getattr(client, method)(url, json=body)
        assert anonymous.status_code == 401, (method, url)
        assert anonymous.get_json()["code"] == "token_missing"
        refused = getattr(client, method)(url, json=body, headers=customer_headers)
        assert refused.status_code == 403, (method, url)
        assert refused.get_json()["code"] == "permission_denied"
    for url in staff_reads:
        assert client.get(url).status_code == 401
        assert client.get(url, headers=customer_headers).status_code == 403
    assert db.session.get(type(product), product.id).name == "Thing", "nothing changed"
