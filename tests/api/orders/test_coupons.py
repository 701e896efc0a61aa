"""Coupon administration (staff) and the sales analytics report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

COUPONS = "/api/v1/coupons/"


def test_staff_create_list_update_and_deactivate(client, staff, auth_headers):
    headers = auth_headers(staff)
    r = client.post(
        COUPONS,
        headers=headers,
        json={
            "code": "spring-25",
            "discount_type": "percentage",
            "value": "25",
            "max_discount": "30.00",
            "usage_limit": 100,
            "per_user_limit": 1,
        },
    )
    assert r.status_code == 201, r.get_json()
    coupon = r.get_json()["data"]
    assert (coupon["code"], coupon["value"], coupon["max_discount"], coupon["times_used"]) == (
        "SPRING-25",
        "25.00",
        "30.00",
        0,
    )
    dup = client.post(COUPONS, headers=headers, json={"code": "SPRING-25", "discount_type": "fixed", "value": "5"})
    assert dup.status_code == 400 and "code" in dup.get_json()["errors"]
    listed = client.get(COUPONS, headers=headers, query_string={"search": "spring"}).get_json()
    assert [c["code"] for c in listed["data"]] == ["SPRING-25"]
    patched = client.patch(f"{COUPONS}{coupon['id']}/", headers=headers, json={"description": "Spring sale"})
    assert patched.status_code == 200 and patched.get_json()["data"]["description"] == "Spring sale"
    gone = client.delete(f"{COUPONS}{coupon['id']}/", headers=headers)
    assert gone.status_code == 200 and gone.get_json()["data"]["is_active"] is False
    assert client.get(f"{COUPONS}{coupon['id']}/", headers=headers).status_code == 200, "deactivated, not deleted"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "150"}, "value"),
        ({"value": "0"}, "value"),
        ({"value": "12.345"}, "value"),
        ({"discount_type": "bogus"}, "discount_type"),
        ({"code": "no spaces"}, "code"),
        ({"valid_from": "2026-02-01T00:00:00Z", "valid_until": "2026-01-01T00:00:00Z"}, "valid_until"),
        ({"times_used": 5}, "times_used"),
    ],
)
def test_coupon_validation(client, staff, auth_headers, body, field):
    payload = {"code": "TEST1", "discount_type": "percentage", "value": "10", **body}
    r = client.post(COUPONS, headers=auth_headers(staff), json=payload)
    assert r.status_code == 400 and field in r.get_json()["errors"], r.get_json()


def test_customers_cannot_manage_coupons(client, customer, auth_headers):
    assert client.get(COUPONS, headers=auth_headers(customer)).status_code == 403
    assert client.post(COUPONS, headers=auth_headers(customer), json={}).status_code == 403
    assert client.get(COUPONS).status_code == 401


def test_sales_report(client, customer, staff, auth_headers, make_product, place_order):
    lamp, mug = make_product("Lamp", price="40.00", stock=10), make_product("Mug", price="10.00", stock=10)
    place_order(customer, [(lamp, 2), (mug, 1)])
    cancelled = place_order(customer, [(mug, 3)]).get_json()["data"]
    client.post(f"/api/v1/orders/{cancelled['id']}/cancel/", headers=auth_headers(customer), json={})
    today = datetime.now(UTC).date()
    r = client.get(
        "/api/v1/core/analytics/sales/",
        headers=auth_headers(staff),
        query_string={"from": str(today - timedelta(days=6)), "to": str(today)},
    )
    assert r.status_code == 200, r.get_json()
    report = r.get_json()["data"]
    assert len(report["days"]) == 7 and report["days"][-1]["date"] == str(today)
    assert (report["orders"], report["revenue"]) == (1, "95.99"), "cancelled orders are not revenue"
    assert report["orders_by_status"]["pending"] == 1 and report["orders_by_status"]["cancelled"] == 1
    assert [(p["name"], p["units"]) for p in report["top_products"]] == [("Lamp", 2), ("Mug", 1)]
    assert client.get("/api/v1/core/analytics/sales/", headers=auth_headers(customer)).status_code == 403
    bad = client.get(
        "/api/v1/core/analytics/sales/",
        headers=auth_headers(staff),
        query_string={"from": "2026-02-01", "to": "2026-01-01"},
    )
    assert bad.status_code == 400


def test_patch_keeps_the_create_time_rules(client, staff, auth_headers, make_coupon):
    """PATCH is checked on the coupon as it would be saved, by the same rules as a create (issue 17, item 5)."""
    headers = auth_headers(staff)
    percent = make_coupon(code="PCT10", discount_type="percentage", value="10")
    fixed = make_coupon(code="FIX500", discount_type="fixed", value="500")
    start = datetime(2027, 1, 10, tzinfo=UTC)
    window = make_coupon(code="WINDOW", valid_from=start, valid_until=start + timedelta(days=5))
    for coupon, body, field in (
        (percent, {"value": "500.00"}, "value"),
        (fixed, {"discount_type": "percentage"}, "value"),
        (window, {"valid_until": (start - timedelta(days=1)).isoformat()}, "valid_until"),
        (window, {"valid_from": (start + timedelta(days=6)).isoformat()}, "valid_until"),
    ):
        r = client.patch(f"{COUPONS}{coupon.id}/", headers=headers, json=body)
        assert r.status_code == 400 and field in r.get_json()["errors"], (body, r.get_json())
    detail = client.get(f"{COUPONS}{fixed.id}/", headers=headers).get_json()["data"]
    assert (detail["discount_type"], detail["value"]) == ("fixed", "500.00")
    r = client.post(COUPONS, headers=headers, json={"code": "BAD", "discount_type": "percentage", "value": "101"})
    assert r.status_code == 400 and "value" in r.get_json()["errors"]
    ok = client.patch(f"{COUPONS}{fixed.id}/", headers=headers, json={"discount_type": "percentage", "value": "50"})
    assert ok.status_code == 200 and ok.get_json()["data"]["value"] == "50.00"
