"""Wishlists: the default one, named ones, items without duplicates, public sharing."""

from __future__ import annotations

import uuid

WISHLISTS = "/api/v1/wishlists/"


def test_default_wishlist_exists_and_lists_first(client, customer, auth_headers):
    headers = auth_headers(customer)
    default = client.get("/api/v1/wishlist/", headers=headers).get_json()["data"]
    assert default["is_default"] is True and default["items"] == [] and default["owner"] == customer.username
    named = client.post(WISHLISTS, headers=headers, json={"name": "Birthday"})
    assert named.status_code == 201 and named.get_json()["data"]["is_default"] is False
    listed = client.get(WISHLISTS, headers=headers).get_json()["data"]
    assert [w["name"] for w in listed] == ["My wishlist", "Birthday"]


def test_items_add_remove_and_no_duplicates(client, customer, auth_headers, make_product):
    headers = auth_headers(customer)
    wishlist_id = client.get("/api/v1/wishlist/", headers=headers).get_json()["data"]["id"]
    shirt = make_product(variants=[{"name": "M", "stock": 1}])
    product, variant = str(shirt.id), str(shirt.variants[0].id)
    items = f"{WISHLISTS}{wishlist_id}/items/"
    first = client.post(items, headers=headers, json={"product_id": product, "note": "size M"})
    assert first.status_code == 201, first.get_json()
    assert client.post(items, headers=headers, json={"product_id": product}).status_code == 409
    assert client.post(items, headers=headers, json={"product_id": product, "variant_id": variant}).status_code == 201
    unknown = client.post(items, headers=headers, json={"product_id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    hidden = make_product(is_active=False)
    assert client.post(items, headers=headers, json={"product_id": str(hidden.id)}).status_code == 404
    foreign = make_product(variants=[{"name": "X", "stock": 1}]).variants[0]
    assert (
        client.post(items, headers=headers, json={"product_id": product, "variant_id": str(foreign.id)}).status_code
        == 404
    )
    detail = client.get(f"{WISHLISTS}{wishlist_id}/", headers=headers).get_json()["data"]
    assert detail["item_count"] == 2
    item_id = first.get_json()["data"]["id"]
    assert client.delete(f"{items}{item_id}/", headers=headers).status_code == 200
    assert client.delete(f"{items}{item_id}/", headers=headers).status_code == 404
    assert client.get(f"{WISHLISTS}{wishlist_id}/", headers=headers).get_json()["data"]["item_count"] == 1


def test_public_wishlists_are_shareable_read_only(client, customer, make_user, auth_headers, make_product):
    owner_headers = auth_headers(customer)
    public = client.post(WISHLISTS, headers=owner_headers, json={"name": "Gift ideas", "is_public": True})
    public_id = public.get_json()["data"]["id"]
    anonymous = client.get(f"{WISHLISTS}{public_id}/")
    assert anonymous.status_code == 200 and anonymous.get_json()["data"]["name"] == "Gift ideas"
    stranger = auth_headers(make_user())
    assert client.get(f"{WISHLISTS}{public_id}/", headers=stranger).status_code == 200
    missing = f"{WISHLISTS}{uuid.uuid4()}/"
    for method, suffix, kwargs in (
        ("patch", "", {"json": {"name": "Mine now"}}),
        ("delete", "", {}),
        ("post", "items/", {"json": {"product_id": str(uuid.uuid4())}}),
    ):
        attempt = getattr(client, method)(f"{WISHLISTS}{public_id}/{suffix}", headers=stranger, **kwargs)
        absent = getattr(client, method)(f"{missing}{suffix}", headers=stranger, **kwargs)
        assert attempt.status_code == absent.status_code == 404 and attempt.data == absent.data
    assert client.get(f"{WISHLISTS}{public_id}/", headers=owner_headers).get_json()["data"]["name"] == "Gift ideas"


def test_private_wishlist_is_404_to_others(client, customer, make_user, auth_headers):
    private_id = client.get("/api/v1/wishlist/", headers=auth_headers(customer)).get_json()["data"]["id"]
    stranger = client.get(f"{WISHLISTS}{private_id}/", headers=auth_headers(make_user()))
    anonymous = client.get(f"{WISHLISTS}{private_id}/")
    missing = client.get(f"{WISHLISTS}{uuid.uuid4()}/")
    assert stranger.status_code == anonymous.status_code == missing.status_code == 404
    assert stranger.data == anonymous.data == missing.data


def test_rename_publish_and_delete(client, customer, auth_headers):
    headers = auth_headers(customer)
    created = client.post(WISHLISTS, headers=headers, json={"name": "Tmp"}).get_json()["data"]
    r = client.patch(f"{WISHLISTS}{created['id']}/", headers=headers, json={"name": "Holiday", "is_public": True})
    assert r.status_code == 200 and r.get_json()["data"]["is_public"] is True
    assert client.delete(f"{WISHLISTS}{created['id']}/", headers=headers).status_code == 200
    default_id = client.get("/api/v1/wishlist/", headers=headers).get_json()["data"]["id"]
    refused = client.delete(f"{WISHLISTS}{default_id}/", headers=headers)
    assert refused.status_code == 400
    bad = client.post(WISHLISTS, headers=headers, json={"name": "", "is_default": True})
    assert bad.status_code == 400 and {"name", "is_default"} <= set(bad.get_json()["errors"])


def test_a_wishlist_deleted_during_a_patch_is_a_404(client, customer, auth_headers, monkeypatch):
    """Issue 17, item 15: the row went away between loading and writing (another request's DELETE).
    Mapped once, in the error layer, for every resource (SQLAlchemy's StaleDataError)."""
    from sqlalchemy import delete

    from kastoma.extensions import db
    from kastoma.wishlists import services as wishlists
    from kastoma.wishlists.models import Wishlist

    headers = auth_headers(customer)
    created = client.post("/api/v1/wishlists/", headers=headers, json={"name": "Gifts"}).get_json()["data"]
    update = wishlists.update_wishlist

    def deleted_meanwhile(wishlist, data):
        # As another request would: behind this session's back.
        db.session.execute(
            delete(Wishlist).where(Wishlist.id == wishlist.id).execution_options(synchronize_session=False)
        )
        return update(wishlist, data)

    monkeypatch.setattr(wishlists, "update_wishlist", deleted_meanwhile)
    r = client.patch(f"/api/v1/wishlists/{created['id']}/", headers=headers, json={"name": "Presents"})
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
