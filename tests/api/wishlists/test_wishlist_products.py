"""Wishlists only take products (and variants) the catalogue actually sells."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select

from kastoma.extensions import db


def test_only_active_products_and_their_own_variants(client, customer, auth_headers, make_product):
    headers = auth_headers(customer)
    items = f"/api/v1/wishlists/{client.get('/api/v1/wishlist/', headers=headers).get_json()['data']['id']}/items/"
    shirt = make_product("Shirt", variants=[{"stock": 1}, {"stock": 1, "is_active": False}])
    mug = make_product("Mug", variants=[{"stock": 1}])
    retired = make_product("Retired", is_active=False)
    active_variant, inactive_variant = shirt.variants

    assert client.post(items, headers=headers, json={"product_id": str(shirt.id)}).status_code == 201
    with_variant = {"product_id": str(shirt.id), "variant_id": str(active_variant.id)}
    assert client.post(items, headers=headers, json=with_variant).status_code == 201
    for body in (
        {"product_id": str(uuid.uuid4())},
        {"product_id": str(retired.id)},
        {"product_id": str(shirt.id), "variant_id": str(inactive_variant.id)},
        {"product_id": str(shirt.id), "variant_id": str(mug.variants[0].id)},
        {"product_id": str(shirt.id), "variant_id": str(uuid.uuid4())},
    ):
        r = client.post(items, headers=headers, json=body)
        assert r.status_code == 404 and r.get_json()["code"] == "not_found", body


def test_wishlist_items_go_with_a_removed_product(client, customer, auth_headers, make_product):
    from kastoma.products.models import Product
    from kastoma.wishlists.models import WishlistItem

    headers = auth_headers(customer)
    items = f"/api/v1/wishlists/{client.get('/api/v1/wishlist/', headers=headers).get_json()['data']['id']}/items/"
    demo = make_product("Demo Lamp")
    client.post(items, headers=headers, json={"product_id": str(demo.id)})
    db.session.execute(delete(Product).where(Product.id == demo.id))  # as `flask seed --clear` does
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(WishlistItem)) == 0
