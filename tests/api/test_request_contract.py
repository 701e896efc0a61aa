"""Request bodies hold to the documented contract (found by the schemathesis suite, pinned here).

JSON values must have their documented JSON type, uploads take no stray fields, PATCH bodies
are optional, free text keeps line breaks but never control characters, and URLs may be
cleared with "".
"""

from __future__ import annotations

import io
import re
import uuid

import pytest

from kastoma.extensions import db
from kastoma.products.models import Review
from kastoma.users.models import User
from tests.api.users.test_account import png_bytes

ZERO = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/v1/addresses/", {"is_default_billing": 0}, "is_default_billing"),  # 0 is not false
        ("/api/v1/cart/add_item/", {"quantity": "2"}, "quantity"),  # a string is not an integer
        ("/api/v1/cart/add_item/", {"quantity": True}, "quantity"),  # nor is a boolean
        # nested lines too
        ("/api/v1/orders/", {"payment_method": "paypal", "items": [{"product_id": ZERO, "quantity": 1.0}]}, "items"),
    ],
)
def test_mistyped_json_values_are_refused(client, customer, auth_headers, path, body, field):
    r = client.post(path, headers=auth_headers(customer), json=body)
    assert r.status_code == 400 and list(r.get_json()["errors"]) == [field]


def test_money_is_a_string_not_a_number(client, staff, auth_headers):
    body = {"code": "TEN-OFF", "discount_type": "fixed", "value": 10}
    r = client.post("/api/v1/coupons/", headers=auth_headers(staff), json=body)
    assert r.status_code == 400 and "value" in r.get_json()["errors"]
    body["value"] = "10"
    assert client.post("/api/v1/coupons/", headers=auth_headers(staff), json=body).status_code == 201


def test_avatar_upload_refuses_stray_fields(client, customer, auth_headers):
    r = client.post(
        "/api/v1/profiles/me/avatar/",
        headers=auth_headers(customer),
        data={"avatar": (io.BytesIO(png_bytes()), "me.png"), "role": "admin"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and r.get_json()["errors"] == {"role": ["Unknown field."]}
    assert customer.profile.avatar in ("", None)


def test_every_patch_requires_its_body_as_the_spec_says(app, client, admin, auth_headers, customer):
    """Issue 17, item 18: a PATCH without a body is a 400 (the spec declares the body required),
    not a silent 200 that changes nothing; checked for every PATCH operation in the spec."""
    spec = client.get("/api/schema/").get_json()
    headers = auth_headers(admin)
    patches = [(path, op) for path, item in spec["paths"].items() for method, op in item.items() if method == "patch"]
    assert len(patches) >= 10
    for path, operation in patches:
        assert operation["requestBody"]["required"] is True, path
        url = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
        r = client.patch(url, headers=headers)
        assert r.status_code == 400, (path, r.status_code, r.get_json())
        assert r.get_json()["errors"] == {"_schema": ["A JSON body is required."]}, path
    before = client.get("/api/v1/users/me/", headers=auth_headers(customer)).get_json()["data"]
    assert client.patch("/api/v1/users/me/", headers=auth_headers(customer), json={}).status_code == 200
    assert client.get("/api/v1/users/me/", headers=auth_headers(customer)).get_json()["data"] == before


def test_review_text_keeps_line_breaks_but_not_control_characters(client, customer, auth_headers, make_product):
    product = make_product()
    url = f"/api/v1/products/{product.id}/reviews/"
    bad = client.post(url, headers=auth_headers(customer), json={"rating": 5, "text": "Great\x00"})
    assert bad.status_code == 400 and "text" in bad.get_json()["errors"]
    good = client.post(
        url, headers=auth_headers(customer), json={"rating": 5, "title": "Yes", "text": "Line 1\nLine 2"}
    )
    assert good.status_code == 201, good.get_json()
    assert db.session.get(Review, uuid.UUID(good.get_json()["data"]["id"])).text == "Line 1\nLine 2"


YEAR_ONE_EAST_OF_UTC = "0001-01-01T00:30:00+01:00"  # before year 1 once in UTC


def test_date_times_that_leave_the_calendar_in_utc_are_refused(client, staff, auth_headers):
    headers = auth_headers(staff)
    coupon = {"code": "EARLY", "discount_type": "fixed", "value": "5", "valid_from": YEAR_ONE_EAST_OF_UTC}
    r = client.post("/api/v1/coupons/", headers=headers, json=coupon)
    assert r.status_code == 400 and list(r.get_json()["errors"]) == ["valid_from"]
    for path in ("/api/v1/orders/", "/api/v1/products/"):
        r = client.get(path, headers=headers, query_string={"created_after": YEAR_ONE_EAST_OF_UTC})
        assert r.status_code == 400 and list(r.get_json()["errors"]) == ["created_after"], path


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'{"first_name": "\\ud800"}', "an unpaired surrogate (no text column can store it)"),
        (b'{"first_name": "ok\\udc00"}', "an unpaired low surrogate"),
        (b'{"first_name": "' + b"[" * 2000 + b'"}', "not JSON at all"),
        (b"[" * 5000 + b"]" * 5000, "nested deeper than 1,024 levels"),
        (b'{"first_name": NaN}', "NaN"),
    ],
)
def test_bodies_no_field_could_hold_are_a_400(client, customer, auth_headers, raw, why):
    """Issue 17, item 12: refused once, in the JSON layer, for every field of every operation."""
    r = client.patch("/api/v1/users/me/", headers=auth_headers(customer), data=raw, content_type="application/json")
    assert r.status_code == 400, why
    assert r.get_json()["code"] == "validation_error"
    db.session.expire_all()
    assert db.session.get(User, customer.id).first_name == "Cara"


def test_a_surrogate_pair_is_text_like_any_other(client, customer, auth_headers):
    raw = b'{"first_name": "Cara \\ud83d\\ude00"}'
    r = client.patch("/api/v1/users/me/", headers=auth_headers(customer), data=raw, content_type="application/json")
    assert r.status_code == 200 and r.get_json()["data"]["first_name"] == "Cara \U0001f600"


@pytest.mark.parametrize("digits", [20, 400, 5001])
def test_huge_integers_are_a_400_even_unauthenticated(client, make_product, digits):
    """Issue 17, item 13: Python's parser raises inside itself beyond 4,300 digits."""
    product = make_product(stock=5)
    raw = b'{"product_id": "' + str(product.id).encode() + b'", "quantity": ' + b"9" * digits + b"}"
    r = client.post("/api/v1/cart/add_item/", data=raw, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["code"] == "validation_error", r.get_json()


def test_the_payment_webhook_reads_bodies_as_strictly(client):
    from kastoma.orders.providers import sign

    raw = b'{"id": "evt_\\ud800", "type": "payment.failed", "data": {"reference": "x"}}'
    r = client.post(
        "/api/v1/payments/webhook/dummy/",
        data=raw,
        content_type="application/json",
        headers={"Kastoma-Signature": sign(raw)},
    )
    assert r.status_code == 400


def test_a_body_that_is_not_utf8_is_a_400_not_an_empty_patch(client, customer, auth_headers):
    r = client.patch(
        "/api/v1/profiles/me/", headers=auth_headers(customer), data=b"\xff.\x00\xfe", content_type="application/json"
    )
    assert r.status_code == 400 and r.get_json()["errors"] == {"_schema": ["Invalid JSON body."]}
