"""Categories: list filters, tree, roots, detail with breadcrumbs, children, products; staff edits."""

from __future__ import annotations

import uuid

import pytest

CATEGORIES = "/api/v1/categories/"


@pytest.fixture
def staff_headers(staff, auth_headers):
    return auth_headers(staff)


@pytest.fixture
def shop(make_category, make_product):
    """Electronics > Audio > Earbuds, Electronics > Phones, Books; one product in most."""
    electronics = make_category("Electronics", sort_order=1)
    audio = make_category("Audio", parent=electronics, sort_order=2)
    phones = make_category("Phones", parent=electronics, sort_order=1)
    earbuds = make_category("Earbuds", parent=audio)
    books = make_category("Books", sort_order=0)
    make_category("Archive", is_active=False)
    make_category("Old Audio", parent=audio, is_active=False)
    make_product("Speaker", category=audio)
    make_product("Buds", category=earbuds)
    make_product("Phone", category=phones)
    make_product("Withdrawn", category=phones, is_active=False)
    return {"electronics": electronics, "audio": audio, "phones": phones, "earbuds": earbuds, "books": books}


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [c["slug"] for c in response.get_json()["data"]]


def test_list_and_its_filters(client, shop):
    # sort_order, then name, across levels.
    assert slugs(client.get(CATEGORIES)) == ["books", "earbuds", "electronics", "phones", "audio"]
    assert slugs(client.get(f"{CATEGORIES}?is_root=true")) == ["books", "electronics"]
    assert slugs(client.get(f"{CATEGORIES}?is_root=false&ordering=name")) == ["audio", "earbuds", "phones"]
    assert slugs(client.get(f"{CATEGORIES}?parent={shop['electronics'].id}")) == ["phones", "audio"]
    assert slugs(client.get(f"{CATEGORIES}?parent_slug=audio")) == ["earbuds"]
    assert slugs(client.get(f"{CATEGORIES}?search=PHO")) == ["phones"]
    assert slugs(client.get(f"{CATEGORIES}?search=%25")) == []
    assert slugs(client.get(f"{CATEGORIES}?ordering=-name&page_size=2")) == ["phones", "electronics"]
    body = client.get(f"{CATEGORIES}?page_size=2").get_json()
    assert body["pagination"]["count"] == 5 and body["pagination"]["pages"] == 3
    first = client.get(f"{CATEGORIES}?parent_slug=electronics").get_json()["data"][1]
    assert first["parent"] == {"id": str(shop["electronics"].id), "name": "Electronics", "slug": "electronics"}
    assert first["product_count"] == 2 and first["image_url"] is None
    for bad in ("parent=not-a-uuid", "parent_slug=nowhere", "is_root=sometimes", "ordering=price", "search=%00"):
        assert client.get(f"{CATEGORIES}?{bad}").status_code == 400, bad


def test_tree_nests_active_categories_with_product_counts(client, shop):
    r = client.get(f"{CATEGORIES}tree/")
    assert r.status_code == 200
    tree = r.get_json()["data"]
    assert [n["slug"] for n in tree] == ["books", "electronics"]
    electronics = tree[1]
    assert electronics["product_count"] == 3  # Speaker, Buds, Phone; not the inactive one
    assert [c["slug"] for c in electronics["children"]] == ["phones", "audio"]
    audio = electronics["children"][1]
    assert audio["product_count"] == 2 and [c["slug"] for c in audio["children"]] == ["earbuds"]
    assert audio["children"][0]["children"] == []


def test_roots_detail_and_children(client, shop):
    assert slugs(client.get(f"{CATEGORIES}roots/")) == ["books", "electronics"]
    detail = client.get(f"{CATEGORIES}earbuds/")
    assert detail.status_code == 200
    data = detail.get_json()["data"]
    assert [b["slug"] for b in data["breadcrumbs"]] == ["electronics", "audio", "earbuds"]
    assert data["children"] == [] and data["product_count"] == 1
    audio = client.get(f"{CATEGORIES}{shop['audio'].id}/").get_json()["data"]
    assert [c["slug"] for c in audio["children"]] == ["earbuds"]  # not the inactive child
    assert slugs(client.get(f"{CATEGORIES}electronics/children/")) == ["phones", "audio"]


def test_category_products_include_descendants_and_take_filters(client, shop):
    r = client.get(f"{CATEGORIES}electronics/products/?ordering=name")
    assert [p["name"] for p in r.get_json()["data"]] == ["Buds", "Phone", "Speaker"]
    assert r.get_json()["pagination"]["count"] == 3
    audio = client.get(f"{CATEGORIES}{shop['audio'].id}/products/?search=bud").get_json()["data"]
    assert [p["name"] for p in audio] == ["Buds"]
    assert client.get(f"{CATEGORIES}books/products/").get_json()["data"] == []
    assert client.get(f"{CATEGORIES}electronics/products/?min_price=x").status_code == 400


@pytest.mark.parametrize("ref", [str(uuid.uuid4()), "nowhere", "archive", "y" * 500, "a%00b"])
def test_unknown_or_inactive_categories_are_404(client, shop, ref):
    for suffix in ("", "children/", "products/"):
        r = client.get(f"{CATEGORIES}{ref}/{suffix}")
        assert r.status_code == 404
        assert r.get_json()["code"] == "not_found" and r.get_json()["message"] == "Category not found."


def test_staff_create_move_and_deactivate(client, staff_headers, shop):
    created = client.post(CATEGORIES, headers=staff_headers, json={"name": "Head & Phones!", "parent_id": None})
    assert created.status_code == 201, created.get_json()
    data = created.get_json()["data"]
    assert data["slug"] == "head-phones" and data["parent"] is None and data["is_active"] is True

    moved = client.patch(f"{CATEGORIES}head-phones/", headers=staff_headers, json={"parent_id": str(shop["audio"].id)})
    assert moved.status_code == 200
    assert [b["slug"] for b in moved.get_json()["data"]["breadcrumbs"]] == ["electronics", "audio", "head-phones"]
    assert "head-phones" in slugs(client.get(f"{CATEGORIES}audio/children/"))

    duplicate = client.post(CATEGORIES, headers=staff_headers, json={"name": "Other", "slug": "audio"})
    assert duplicate.status_code == 400 and "slug" in duplicate.get_json()["errors"]
    orphan = client.post(CATEGORIES, headers=staff_headers, json={"name": "X", "parent_id": str(uuid.uuid4())})
    assert orphan.status_code == 400 and "parent_id" in orphan.get_json()["errors"]
    for bad in (
        {"name": ""},
        {"name": "X", "slug": "tree"},
        {"name": "X", "colour": "red"},
        {"name": "X", "image_url": "https://img.example/a\x00.png"},
        {"name": "X", "image_url": "ftp://img.example/a.png"},
        {"name": "X", "description": "\x00"},
    ):
        assert client.post(CATEGORIES, headers=staff_headers, json=bad).status_code == 400, bad

    replaced = client.put(f"{CATEGORIES}books/", headers=staff_headers, json={"name": "Novels", "sort_order": 9})
    assert replaced.status_code == 200 and replaced.get_json()["data"]["name"] == "Novels"

    gone = client.delete(f"{CATEGORIES}audio/", headers=staff_headers)
    assert gone.status_code == 200 and gone.get_json()["message"] == "Category deactivated."
    assert client.get(f"{CATEGORIES}audio/").status_code == 404
    tree = {n["slug"]: n for n in client.get(f"{CATEGORIES}tree/").get_json()["data"]}
    assert [c["slug"] for c in tree["electronics"]["children"]] == ["phones"]
    # The products stay; staff still see the category.
    assert client.get("/api/v1/products/speaker/").status_code == 200
    staff_view = client.get(f"{CATEGORIES}audio/?include_inactive=true", headers=staff_headers)
    assert staff_view.status_code == 200 and staff_view.get_json()["data"]["is_active"] is False
    staff_tree = client.get(f"{CATEGORIES}tree/?include_inactive=true", headers=staff_headers).get_json()["data"]
    assert "archive" in [n["slug"] for n in staff_tree]
    back = client.patch(f"{CATEGORIES}audio/", headers=staff_headers, json={"is_active": True})
    assert back.status_code == 200 and client.get(f"{CATEGORIES}audio/").status_code == 200


def test_a_category_can_never_become_its_own_ancestor(client, staff_headers, shop):
    for category, new_parent in (
        ("electronics", shop["electronics"]),  # itself
        ("electronics", shop["audio"]),  # its child
        ("electronics", shop["earbuds"]),  # its grandchild
        ("audio", shop["earbuds"]),
    ):
        r = client.patch(f"{CATEGORIES}{category}/", headers=staff_headers, json={"parent_id": str(new_parent.id)})
        assert r.status_code == 400, (category, new_parent.slug)
        assert r.get_json()["errors"] == {"parent_id": ["A category cannot be its own ancestor."]}
    ok = client.patch(f"{CATEGORIES}earbuds/", headers=staff_headers, json={"parent_id": str(shop["phones"].id)})
    assert ok.status_code == 200
    root = client.patch(f"{CATEGORIES}earbuds/", headers=staff_headers, json={"parent_id": None})
    assert root.status_code == 200 and root.get_json()["data"]["parent"] is None
