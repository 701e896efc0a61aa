"""Variants (own SKU, price override, stock, attributes) and images (upload or URL, one primary)."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from kastoma.extensions import db

PRODUCTS = "/api/v1/products/"


@pytest.fixture
def staff_headers(staff, auth_headers):
    return auth_headers(staff)


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def test_variants_lifecycle(client, staff_headers, make_product):
    from kastoma.products.models import StockMovement

    product = make_product("Tee", price="20.00")
    url = f"{PRODUCTS}tee/variants/"
    small = client.post(
        url, headers=staff_headers, json={"sku": "tee-s", "name": "Small", "stock": 4, "attributes": {"size": "S"}}
    )
    assert small.status_code == 201, small.get_json()
    data = small.get_json()["data"]
    assert data["sku"] == "TEE-S" and data["price"] is None and data["effective_price"] == "20.00"
    assert data["stock"] == 4 and data["in_stock"] is True
    large = client.post(url, headers=staff_headers, json={"sku": "TEE-L", "name": "Large", "price": "24.00"})
    assert large.status_code == 201

    detail = client.get(f"{PRODUCTS}tee/").get_json()["data"]
    assert detail["has_variants"] is True and detail["stock"] == 4
    assert detail["price_range"] == {"min": "20.00", "max": "24.00"}
    assert [v["name"] for v in client.get(url).get_json()["data"]] == ["Small", "Large"]
    movement = db.session.scalar(select(StockMovement).where(StockMovement.product_id == product.id))
    assert movement.variant_id == uuid.UUID(data["id"]) and movement.delta == 4

    # SKUs are unique across products and variants.
    for sku in ("TEE-S", product.sku):
        dup = client.post(url, headers=staff_headers, json={"sku": sku, "name": "Dup"})
        assert dup.status_code == 400 and "sku" in dup.get_json()["errors"]

    variant_url = f"{url}{data['id']}/"
    changed = client.patch(variant_url, headers=staff_headers, json={"price": "19.00"})
    assert changed.status_code == 200 and changed.get_json()["data"]["effective_price"] == "19.00"
    assert client.get(f"{PRODUCTS}tee/").get_json()["data"]["price_range"] == {"min": "19.00", "max": "24.00"}
    assert client.patch(variant_url, headers=staff_headers, json={"stock": 50}).status_code == 400
    assert client.put(variant_url, headers=staff_headers, json={"name": "S"}).status_code == 400
    put = client.put(variant_url, headers=staff_headers, json={"sku": "TEE-S", "name": "S"})
    assert put.status_code == 200 and put.get_json()["data"]["name"] == "S"

    assert client.delete(variant_url, headers=staff_headers).status_code == 200
    assert client.get(variant_url).status_code == 404
    assert client.get(f"{variant_url}?include_inactive=true", headers=staff_headers).status_code == 200
    after = client.get(f"{PRODUCTS}tee/").get_json()["data"]
    assert after["stock"] == 0 and after["price_range"] == {"min": "24.00", "max": "24.00"}
    assert [v["name"] for v in after["variants"]] == ["Large"]
    restored = client.patch(variant_url, headers=staff_headers, json={"is_active": True})
    assert restored.status_code == 200 and client.get(f"{PRODUCTS}tee/").get_json()["data"]["stock"] == 4

    other = make_product("Other")
    assert client.get(f"{PRODUCTS}{other.id}/variants/{data['id']}/").status_code == 404
    assert client.get(f"{url}{uuid.uuid4()}/").status_code == 404


def test_variants_need_the_product_stock_moved_to_them(client, staff_headers, make_product):
    make_product("Mug", stock=3)
    r = client.post(f"{PRODUCTS}mug/variants/", headers=staff_headers, json={"sku": "MUG-RED", "name": "Red"})
    assert r.status_code == 400 and "stock" in r.get_json()["errors"]


def test_images_by_url_and_upload_with_one_primary(app, client, staff_headers, make_product):
    make_product("Lamp")
    url = f"{PRODUCTS}lamp/images/"
    first = client.post(url, headers=staff_headers, json={"url": "https://img.example/1.jpg", "alt_text": "Front"})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["data"]["is_primary"] is True  # the first image is the primary one
    upload = client.post(
        url,
        headers=staff_headers,
        data={"file": (io.BytesIO(png_bytes()), "lamp.png"), "alt_text": "Side", "is_primary": "true"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    uploaded = upload.get_json()["data"]
    assert uploaded["is_primary"] is True and uploaded["image_url"].startswith("http://localhost/media/products/")
    stored = Path(app.config["MEDIA_ROOT"]) / uploaded["image_url"].split("/media/")[1]
    assert stored.read_bytes() == png_bytes()

    listed = client.get(url).get_json()["data"]
    assert [(i["alt_text"], i["is_primary"]) for i in listed] == [("Side", True), ("Front", False)]
    assert client.get(f"{PRODUCTS}lamp/").get_json()["data"]["image_url"] == uploaded["image_url"]
    card = next(p for p in client.get(PRODUCTS).get_json()["data"] if p["slug"] == "lamp")
    assert card["image_url"] == uploaded["image_url"]  # a list's card, built from a row

    first_id = first.get_json()["data"]["id"]
    made_primary = client.patch(f"{url}{first_id}/", headers=staff_headers, json={"is_primary": True})
    assert made_primary.status_code == 200
    assert [i["is_primary"] for i in client.get(url).get_json()["data"]] == [True, False]
    unset = client.patch(f"{url}{first_id}/", headers=staff_headers, json={"is_primary": False})
    assert unset.status_code == 400

    # Deleting the primary promotes the next one; deleting an upload removes its file.
    assert client.delete(f"{url}{first_id}/", headers=staff_headers).status_code == 200
    remaining = client.get(url).get_json()["data"]
    assert [(i["alt_text"], i["is_primary"]) for i in remaining] == [("Side", True)]
    assert client.delete(f"{url}{uploaded['id']}/", headers=staff_headers).status_code == 200
    assert not stored.exists() and client.get(url).get_json()["data"] == []
    assert client.delete(f"{url}{uploaded['id']}/", headers=staff_headers).status_code == 404


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"json": {"url": "javascript:alert(1)"}}, "url"),
        ({"json": {"url": "https://img.example/a\x00.png"}}, "url"),
        ({"json": {"url": "https://img.example/a.png", "alt_text": "\x00"}}, "alt_text"),
        ({"json": {"url": "https://img.example/a.png", "colour": "red"}}, "colour"),
        ({"json": {}}, "file"),
        (
            {"data": {"file": (io.BytesIO(b"GIF89a not allowed"), "x.gif")}, "content_type": "multipart/form-data"},
            "file",
        ),
        ({"data": {"alt_text": "no file"}, "content_type": "multipart/form-data"}, "file"),
    ],
)
def test_bad_images_are_400(client, staff_headers, make_product, kwargs, field):
    make_product("Lamp")
    r = client.post(f"{PRODUCTS}lamp/images/", headers=staff_headers, **kwargs)
    assert r.status_code == 400 and field in r.get_json()["errors"], r.get_json()
