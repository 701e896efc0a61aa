"""Injection (API8/API10 of 2023, and the OWASP injection classics): hostile text in every text
query parameter, in the JSON text fields that reach queries or storage, in the headers that
are stored, and in staff-editable email templates rendered for real customers.

The query parameters are read from `/api/openapi.json`, so a new filter is fuzzed the day it
is documented. A hostile value must give a 400 naming the parameter or a normal answer, in a
valid envelope, never a 500. Product search alone is covered with more values in
tests/api/products/test_products_search.py::test_hostile_or_odd_input_never_fails; rendering attacks on a
template object in tests/unit/test_mail.py::test_templates_cannot_reach_python_internals.
"""

from __future__ import annotations

import itertools

import pytest

from kastoma.core.models import EmailTemplate
from kastoma.extensions import db
from tests.fixtures.orders import ADDRESS
from tests.security.conftest import API, assert_none, envelope_problems, fill, ok, put, send

NASTY = {
    "sql quote": "' OR 1=1--",
    "sql statement": '"; DROP TABLE products;--',
    "NUL": "\x00",
    "embedded NUL": "mug\x00' OR 1=1",
    "10,000 characters": "x" * 10_000,
    "percent": "%",
    "underscore": "_",
    "backslash": "\\",
    "emoji": "🎧🛒",
    "right-to-left override": "\u202egpj.exe",
    "script tag": "<script>alert(1)</script>",
    "template": "{{7*7}}${7*7}",
    "path": "../../etc/passwd",
}
# Object parameters are exploded into keys of their own (`attr.<name>=<value>`).
EXPLODED = {"attributes": "attr.color"}


def text_query_parameters(spec: dict) -> list[tuple[str, str, str]]:
    """(GET path, query key sent, documented name) of every parameter a client may fill with text."""
    found = []
    for path, operations in spec["paths"].items():
        op = operations.get("get")
        if not path.startswith(f"{API}/") or op is None:
            continue
        for param in op.get("parameters", []):
            schema = param.get("schema", {})
            if param["in"] != "query" or "enum" in schema or schema.get("type") in ("integer", "number", "boolean"):
                continue
            if schema.get("type") == "object":
                assert param["name"] in EXPLODED, f"how is {param['name']} of {path} sent?"
                found.append((path, EXPLODED[param["name"]], param["name"]))
            else:
                found.append((path, param["name"], param["name"]))
    return found


@pytest.fixture
def catalogue(make_category, make_product):
    category = make_category("Küche & Café")
    return make_product("Café Crème Mug 🎧", category=category, stock=5, attributes={"color": "rot"})


@pytest.mark.parametrize("value", NASTY.values(), ids=NASTY.keys())
def test_hostile_text_in_every_query_parameter(client, staff, auth_headers, catalogue, value):
    headers = auth_headers(staff)  # staff may call every list, so every filter is reached
    spec = client.get("/api/openapi.json").get_json()
    parameters = text_query_parameters(spec)
    failures = []
    for path, key, name in parameters:
        slug = catalogue.category.slug if path.startswith(f"{API}/categories/") else catalogue.slug
        url = path.replace("{id_or_slug}", slug)
        assert "{" not in url, f"no value for a path parameter of {path}"
        query = {key: value, **({"q": "mug"} if key != "q" and path.endswith("/search/") else {})}
        r = send(client, "GET", url, headers=headers, query_string=query)
        errors = (r.get_json() or {}).get("errors") or {}
        refused_by_name = r.status_code == 400 and {key, name} & set(errors)
        if r.status_code not in (200, 400) or envelope_problems(r) or (r.status_code == 400 and not refused_by_name):
            failures.append((path, key, r.status_code, str(errors)[:100]))
    assert_none(failures)
    assert len(parameters) >= 30, "the spec lost its text filters"


BODY_VALUES = {
    k: NASTY[k]
    for k in ("NUL", "embedded NUL", "sql quote", "10,000 characters", "emoji", "right-to-left override", "script tag")
}
BUY = {
    "items": [{"product_id": "{product_id}", "quantity": 1}],
    "shipping_address": ADDRESS,
    "payment_method": "paypal",
}
# (method, url, body or headers with "<v>" for the value, who): text fields that reach a query or
# a column, for customers, anonymous callers and staff.
TEXT_INPUTS = [
    ("POST", f"{API}/auth/login/", {"email": "<v>", "password": "x"}, None),
    ("POST", f"{API}/auth/login/", {"username": "<v>", "password": "x"}, None),
    ("POST", f"{API}/auth/password-reset/", {"email": "<v>"}, None),
    (
        "POST",
        f"{API}/auth/register/",
        {"username": "eve", "email": "eve@example.com", "password": "Some-Long-Pass-99", "first_name": "<v>"},
        None,
    ),
    ("POST", f"{API}/auth/verify/", {"token": "<v>"}, None),
    ("POST", f"{API}/auth/refresh/", {"refresh": "<v>"}, None),
    ("POST", f"{API}/auth/password-reset-confirm/", {"token": "<v>", "new_password": "Some-Long-Pass-99"}, None),
    ("GET", f"{API}/cart/", {"headers": {"X-Cart-Token": "<v>"}}, None),
    ("PATCH", f"{API}/users/me/", {"first_name": "<v>"}, "a"),
    ("PATCH", f"{API}/profiles/me/", {"bio": "<v>"}, "a"),
    ("POST", f"{API}/addresses/", {**ADDRESS, "line1": "<v>"}, "a"),
    ("POST", f"{API}/wishlists/", {"name": "<v>"}, "a"),
    ("POST", f"{API}/wishlists/{{wishlist}}/items/", {"product_id": "{other_product_id}", "note": "<v>"}, "a"),
    ("POST", f"{API}/products/{{other_product}}/reviews/", {"rating": 4, "title": "<v>"}, "a"),
    ("POST", f"{API}/orders/validate_coupon/", {"code": "<v>"}, "a"),
    ("POST", f"{API}/cart/apply_coupon/", {"code": "<v>"}, "a"),
    ("POST", f"{API}/orders/", {**BUY, "coupon_code": "<v>"}, "a"),
    ("POST", f"{API}/orders/", {**BUY, "notes": "<v>"}, "a"),
    ("POST", f"{API}/orders/", {**BUY, "shipping_address": {**ADDRESS, "city": "<v>"}}, "a"),
    ("POST", f"{API}/orders/", {**BUY, "headers": {"Idempotency-Key": "<v>"}}, "a"),
    ("POST", f"{API}/orders/{{order}}/cancel/", {"note": "<v>"}, "a"),
    ("POST", f"{API}/categories/", {"name": "<v>"}, "staff"),
    ("PATCH", f"{API}/products/{{product}}/", {"description": "<v>"}, "staff"),
    (
        "POST",
        f"{API}/coupons/",
        {"code": "SAFE1", "discount_type": "fixed", "value": "1.00", "description": "<v>"},
        "staff",
    ),
    ("PATCH", f"{API}/orders/{{b_order}}/", {"internal_notes": "<v>"}, "staff"),
    ("PATCH", f"{API}/orders/{{b_order}}/add_tracking/", {"tracking_number": "<v>"}, "staff"),
]


def test_hostile_text_in_bodies_and_headers_never_breaks_a_request(client, world):
    ids = {
        **world.ids_of(world.a),
        "other_product": world.variant_product.slug,
        "other_product_id": str(world.variant_product.id),
        "b_order": world.b.ids["order"],
    }
    who = {"a": world.a.headers, "staff": world.staff.headers, None: {}}
    failures = []
    for (name, value), (method, url, template, caller) in itertools.product(BODY_VALUES.items(), TEXT_INPUTS):
        body = fill(template, ids)
        extra = body.pop("headers", {})
        headers = {**who[caller], **put(extra, "<v>", value)}
        r = send(client, method, fill(url, ids), headers=headers, json=put(body, "<v>", value) or None)
        if r.status_code >= 500 or envelope_problems(r):
            failures.append((name, method, url, template, r.status_code))
    assert_none(failures)


# Staff edit email templates in the back office; customers' own actions then render them with
# real objects in the context. Whatever a template tries, the mail must carry no internals.
TEMPLATE_ATTACKS = [
    "{{ user.password_hash }}",
    "{{ user.query.filter_by(role='admin').first().email }}",
    "{{ user.query.all() }}",
    "{{ user.query.session.get_bind().engine.url }}",
    "{{ user.metadata.tables }}",
    "{{ order.query }}",
    "{{ user.__class__.__mro__ }}",
    "{{ user|attr('__class__') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].environ }}",
    "{{ self._TemplateReference__context }}",
    "{{ '{0.__class__.__mro__}'.format(user) }}",
    "{{ config }}{{ request.environ }}",
]
INTERNALS = (
    "$argon2",
    "<User",
    "<class",
    "<function",
    "<module",
    "<built-in",
    "MetaData",
    "Table(",
    "SELECT",
    "Engine",
    "sqlite:",
    "postgresql",
    "uid=",
    "environ",
)


@pytest.mark.parametrize("attack", TEMPLATE_ATTACKS)
def test_email_templates_cannot_reach_internals_in_real_mails(
    client, make_user, auth_headers, make_product, place_order, outbox, attack
):
    admin = make_user("admin", email="the-admin@example.com")
    customer = make_user(email="shopper@example.com")
    for name in ("welcome", "password_reset", "order_confirmation"):
        db.session.add(EmailTemplate(name=name, subject="Hello", body_text=f"Dear customer, {attack}"))
    db.session.commit()
    register = {"username": "newcomer", "email": "newcomer@example.com", "password": "Some-Long-Pass-99"}
    ok(client.post(f"{API}/auth/register/", json=register), 201)
    ok(client.post(f"{API}/auth/password-reset/", json={"email": customer.email}))
    ok(place_order(customer, make_product(stock=3)), 201)
    assert [m.to for m in outbox] == [["newcomer@example.com"], [customer.email], [customer.email]]
    failures = []
    for mail in outbox:
        text = f"{mail.subject}\n{mail.body_text}\n{mail.body_html}"
        found = [leak for leak in (*INTERNALS, admin.email, admin.username) if leak in text]
        if found:
            failures.append((mail.subject, found, text[:200]))
    assert_none(failures)
