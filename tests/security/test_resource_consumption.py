"""API4 Unrestricted Resource Consumption: page sizes, far pages, body size, huge or deeply
nested JSON, oversized item lists, and rate limits.

Lists and bodies are read from the OpenAPI spec, so a new list or a new body cannot escape.
Single-route versions live in tests/api/test_envelope.py (a probe blueprint's pagination, 413
and nesting) and tests/api/products/test_products.py (the product list's page_size); not repeated: a
10,000-item `items` list on POST orders/ (tests/api/orders/test_orders.py::test_empty_cart_and_bad_bodies)
and the credential rate limits' budgets per identifier (tests/api/users/test_ratelimits.py).
"""

from __future__ import annotations

import io
import json
import re
import uuid

import pytest

from kastoma.extensions import limiter
from tests.fixtures.orders import ADDRESS
from tests.security.conftest import API, assert_none, db_state, envelope_problems, fill, send

FAR = 10**9


def operations(spec: dict, method: str | None = None):
    for path, ops in spec["paths"].items():
        for verb, op in ops.items():
            if isinstance(op, dict) and path.startswith(f"{API}/") and (method is None or verb == method):
                yield verb, path, op


def concrete(path: str, product, category) -> str:
    """A spec path with its parameters filled (the lookups come after what is tested here)."""
    slug = category.slug if path.startswith(f"{API}/categories/") else product.slug
    path = path.replace("{id_or_slug}", slug).replace("{token}", "some-token").replace("{provider}", "dummy")
    path = path.replace("{key}", "site_name").replace("{name}", "order_confirmation")
    path = re.sub(r"\{\w+_id\}", lambda _: str(uuid.uuid4()), path)
    assert "{" not in path, f"no value for a parameter of {path}"
    return path


def query_param(op: dict, name: str) -> dict | None:
    return next((p for p in op.get("parameters", []) if p["in"] == "query" and p["name"] == name), None)


def test_every_list_caps_page_size_and_survives_far_pages(client, staff, auth_headers, make_product):
    product = make_product("Paged", stock=3)
    headers = auth_headers(staff)  # staff may call every list
    lists, failures = 0, []
    for _, path, op in operations(client.get("/api/openapi.json").get_json(), "get"):
        page_size, page = query_param(op, "page_size"), query_param(op, "page")
        if page_size is None:
            continue
        lists += 1
        url = concrete(path, product, product.category)
        # What the list needs besides its paging (search's `q`), so that only the paging is tested.
        required = "".join(
            f"&{p['name']}=paged" for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")
        )
        if page_size["schema"].get("maximum") != 100:
            failures.append((path, "documented page_size maximum", page_size["schema"].get("maximum")))
        big = send(client, "GET", f"{url}?page_size=101{required}", headers=headers)
        if big.status_code != 400 or "page_size" not in (big.get_json()["errors"] or {}):
            failures.append((path, "page_size=101", big.status_code))
        far = send(client, "GET", f"{url}?page={FAR}{required}", headers=headers)
        body = far.get_json()
        if page["schema"].get("maximum", FAR) < FAR:  # a documented maximum: refused by name
            if far.status_code != 400 or "page" not in body["errors"]:
                failures.append((path, f"page={FAR} past the documented maximum", far.status_code))
        elif far.status_code != 200 or body["data"] != [] or body["pagination"]["next"] is not None:
            failures.append((path, f"page={FAR} is not an empty last page", far.status_code))
        failures += [(path, problem) for problem in envelope_problems(big) + envelope_problems(far)]
    assert_none(failures)
    assert lists >= 15, "the spec lost its lists"


def test_every_body_over_the_limit_is_413(app, client, admin, auth_headers, make_product, monkeypatch):
    """Flask reads MAX_CONTENT_LENGTH per request; a small one keeps the bodies small."""
    product = make_product("Heavy")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    headers = auth_headers(admin)  # passes every auth check, so the body is what gets read
    oversized = {"padding": "x" * 4096}
    failures, bodies = [], 0
    for verb, path, op in operations(client.get("/api/openapi.json").get_json()):
        if "requestBody" not in op:
            continue
        bodies += 1
        url = concrete(path, product, product.category)
        if "application/json" in op["requestBody"]["content"]:
            r = send(client, verb.upper(), url, headers=headers, json=oversized)
        else:
            files = {"avatar": (io.BytesIO(b"\x89PNG" + b"x" * 4096), "a.png")}
            r = send(client, verb.upper(), url, headers=headers, data=files, content_type="multipart/form-data")
        if r.status_code != 413 or r.get_json()["code"] != "payload_too_large" or envelope_problems(r):
            failures.append((verb, path, r.status_code))
    webhook = send(client, "POST", f"{API}/payments/webhook/dummy/", data=json.dumps(oversized))
    if webhook.status_code != 413:
        failures.append(("post", "webhook", webhook.status_code))
    assert_none(failures)
    assert bodies >= 40, "the spec lost its request bodies"


def test_the_default_limit_is_ten_megabytes(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 10 * 1024 * 1024
    r = client.post(f"{API}/auth/login/", data=b"{" + b" " * limit + b"}", content_type="application/json")
    assert r.status_code == 413 and r.get_json()["code"] == "payload_too_large"


MEGABYTE = "x" * 1_000_000
DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_IN_FIELD = '{"items": ' + "[" * 50_000 + "]" * 50_000 + "}"


def nested_object(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


# (method, url, json body or raw JSON text, field named in the errors or None); `{...}` are A's.
ABSURD_BODIES = [
    ("POST", f"{API}/auth/login/", DEEP_ARRAY, None),
    ("POST", f"{API}/orders/", DEEP_ARRAY, None),
    ("POST", f"{API}/orders/", DEEP_IN_FIELD, None),
    ("POST", f"{API}/cart/add_item/", DEEP_ARRAY, None),
    # Deep enough to hurt a recursive consumer, shallow enough to parse: refused by the schema.
    ("POST", f"{API}/addresses/", json.dumps({**ADDRESS, "company": nested_object(800)}), "company"),
    ("POST", f"{API}/auth/login/", {"email": MEGABYTE, "password": "x"}, "email"),
    ("POST", f"{API}/auth/login/", {"email": "a@example.com", "password": MEGABYTE}, "password"),
    (
        "POST",
        f"{API}/auth/register/",
        {"username": MEGABYTE, "email": "a@example.com", "password": MEGABYTE},
        "username",
    ),
    ("POST", f"{API}/addresses/", {**ADDRESS, "line1": MEGABYTE}, "line1"),
    ("PATCH", f"{API}/profiles/me/", {"bio": MEGABYTE}, "bio"),
    ("POST", f"{API}/wishlists/", {"name": MEGABYTE}, "name"),
    ("POST", f"{API}/products/{{product}}/reviews/", {"rating": 3, "text": MEGABYTE}, "text"),
    ("POST", f"{API}/orders/validate_coupon/", {"code": MEGABYTE}, "code"),
    (
        "POST",
        f"{API}/orders/",
        {
            "items": [{"product_id": "{product_id}", "quantity": 1}],
            "shipping_address": ADDRESS,
            "payment_method": "paypal",
            "notes": MEGABYTE,
        },
        "notes",
    ),
    ("POST", f"{API}/cart/add_item/", {"product_id": "{product_id}", "quantity": 10**400}, "quantity"),
    (
        "POST",
        f"{API}/cart/checkout/",
        {
            "items": [{"product_id": "{product_id}", "quantity": 1}] * 10_000,
            "shipping_address": ADDRESS,
            "payment_method": "paypal",
        },
        "items",
    ),
    (
        "POST",
        f"{API}/orders/",
        {
            "items": [{"product_id": str(uuid.UUID(int=n)), "quantity": 1} for n in range(101)],
            "shipping_address": ADDRESS,
            "payment_method": "paypal",
        },
        "items",
    ),
]


def test_huge_or_absurdly_nested_json_is_400(client, world):
    values = world.ids_of(world.a)
    before = db_state()
    failures = []
    for method, url, body, field in ABSURD_BODIES:
        if isinstance(body, str):
            kwargs = {"data": body, "content_type": "application/json"}
        else:
            kwargs = {"json": fill(body, values)}
        r = send(client, method, fill(url, values), headers=world.a.headers, **kwargs)
        errors = (r.get_json() or {}).get("errors") or {}
        if r.status_code != 400 or envelope_problems(r) or (field is not None and field not in errors):
            failures.append((method, url, field, r.status_code, str(errors)[:120]))
    assert_none(failures)
    assert db_state() == before


# (path, JSON body for attempt n, the limit's config key) of every rate-limited API route.
LIMITED = [
    (f"{API}/auth/login/", lambda n, email: {"email": email, "password": f"Wrong-{n}"}, "RATELIMIT_LOGIN"),
    (
        f"{API}/auth/register/",
        lambda n, email: {"username": f"bot{n}", "email": email, "password": "Some-Long-Pass-99"},
        "RATELIMIT_REGISTER",
    ),
    (f"{API}/auth/password-reset/", lambda n, email: {"email": email}, "RATELIMIT_PASSWORD_RESET"),
]
SPOOFED_CLIENT_HEADERS = ["X-Forwarded-For", "X-Real-IP", "Forwarded", "True-Client-IP", "CF-Connecting-IP"]


@pytest.mark.parametrize(("path", "body", "setting"), LIMITED, ids=[row[0] for row in LIMITED])
def test_rate_limits_are_429_with_retry_after_whatever_ip_headers_claim(limited_client, customer, path, body, setting):
    budget = int(limited_client.application.config[setting].split("/")[0])
    spellings = [customer.email, customer.email.upper(), f"  {customer.email} "]
    statuses = []
    for n in range(budget + 1):
        spoof = dict.fromkeys(SPOOFED_CLIENT_HEADERS, f"203.0.113.{n + 1}")
        spoof["Forwarded"] = f"for=203.0.113.{n + 1}"
        r = limited_client.post(path, json=body(n, spellings[n % len(spellings)]), headers=spoof)
        statuses.append((r.status_code, r.headers.get("X-RateLimit-Remaining")))
    codes = [status for status, _ in statuses]
    # This failed twice in session 6 (once with no limit applied at all), never when run alone:
    # the limiter's state goes into the message so the next failure says why.
    state = {name: getattr(limiter, name, None) for name in ("enabled", "_storage", "_storage_dead", "_key_prefix")}
    assert 429 not in codes[:-1] and codes[-1] == 429, (statuses, state)
    assert r.get_json()["code"] == "rate_limited" and not envelope_problems(r)
    assert int(r.headers["Retry-After"]) > 0
