"""Fixed routes beside `<ref:id_or_slug>` segments: never taken for a slug (issue 17, item 19)."""

from __future__ import annotations

import pytest

from kastoma.products.slugs import RESERVED


def fixed_siblings(app) -> dict[str, set[str]]:
    """Every route whose last segment is fixed where another route has `<ref:id_or_slug>`,
    with its methods: `/api/v1/categories/tree/` -> {GET, HEAD, OPTIONS}."""
    rules = list(app.url_map.iter_rules())
    parents = {r.rule.split("<ref:id_or_slug>")[0] for r in rules if "<ref:id_or_slug>" in r.rule}
    siblings: dict[str, set[str]] = {}
    for rule in rules:
        head, _, last = rule.rule.rstrip("/").rpartition("/")
        if f"{head}/" in parents and "<" not in last:
            siblings.setdefault(rule.rule, set()).update(rule.methods)
    return siblings


def test_every_fixed_route_beside_a_slug_is_a_reserved_word(app):
    siblings = fixed_siblings(app)
    assert {"/api/v1/categories/tree/", "/api/v1/products/search/", "/api/v1/products/low_stock/"} <= set(siblings)
    for path in siblings:
        assert path.rstrip("/").rpartition("/")[2] in RESERVED, path


def test_options_lists_only_the_methods_of_the_fixed_route(app, client):
    for path, methods in fixed_siblings(app).items():
        r = client.options(path)
        assert set(r.headers["Allow"].split(", ")) == methods, path


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_writes_to_a_fixed_route_are_405_not_an_edit(client, staff, auth_headers, make_category, method):
    make_category("Garden")
    r = getattr(client, method)("/api/v1/categories/tree/", headers=auth_headers(staff), json={"name": "Edited"})
    assert r.status_code == 405 and r.get_json()["code"] == "method_not_allowed"
    r = getattr(client, method)("/api/v1/products/search/", headers=auth_headers(staff), json={"name": "Edited"})
    assert r.status_code == 405
    # In another case the word is neither the route nor a slug (slugs are lower-case): nothing is there.
    r = getattr(client, method)("/api/v1/categories/TREE/", headers=auth_headers(staff), json={"name": "Edited"})
    assert r.status_code == 404


@pytest.mark.parametrize("word", ["tree", "search", "featured", "stats", "suggest"])
def test_reserved_words_are_never_slugs(client, staff, auth_headers, word):
    headers = auth_headers(staff)
    explicit = client.post("/api/v1/categories/", headers=headers, json={"name": "Anything", "slug": word})
    assert explicit.status_code == 400 and "slug" in explicit.get_json()["errors"]
    named = client.post("/api/v1/categories/", headers=headers, json={"name": word.title()})
    assert named.status_code == 201 and named.get_json()["data"]["slug"] not in RESERVED
