"""Payments: the dummy card gateway, manual payments, signed webhooks, refunds, expiry."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.orders.models import Order, Payment
from kastoma.orders.providers import sign
from kastoma.products.models import Product

ORDERS = "/api/v1/orders/"


def pay(client, headers, order, token="tok_visa", provider="dummy", **extra):
    return client.post(
        f"{ORDERS}{order['id']}/pay/", headers={**headers, **extra}, json={"provider": provider, "token": token}
    )


def webhook(client, body, signature=None):
    raw = json.dumps(body).encode()
    return client.post(
        "/api/v1/payments/webhook/dummy/",
        data=raw,
        content_type="application/json",
        headers={"Kastoma-Signature": signature if signature is not None else sign(raw)},
    )


def captured(event_id, payment, **data):
    """The provider's `payment.succeeded` event for `payment` (an API payment object)."""
    amount = {"reference": payment["provider_reference"], "amount": payment["amount"], "currency": payment["currency"]}
    return {"id": event_id, "type": "payment.succeeded", "data": {**amount, **data}}


def test_card_payment_confirms_the_order(client, customer, auth_headers, make_product, place_order, outbox):
    order = place_order(customer, make_product(price="25.00", stock=5)).get_json()["data"]
    headers = auth_headers(customer)
    r = pay(client, headers, order)
    assert r.status_code == 200, r.get_json()
    payment = r.get_json()["data"]
    assert (payment["status"], payment["amount"], payment["provider"]) == ("succeeded", order["total"], "dummy")
    detail = client.get(f"{ORDERS}{order['id']}/", headers=headers).get_json()["data"]
    assert (detail["status"], detail["payment_status"]) == ("confirmed", "paid") and detail["paid_at"]
    again = pay(client, headers, order)
    assert again.status_code == 409 and again.get_json()["code"] == "already_paid"


def test_declined_card_then_a_good_one(client, customer, auth_headers, make_product, place_order):
    order = place_order(customer, make_product(stock=5)).get_json()["data"]
    headers = auth_headers(customer)
    declined = pay(client, headers, order, token="tok_chargeDeclined")
    assert declined.status_code == 200 and declined.get_json()["data"]["status"] == "failed"
    assert declined.get_json()["data"]["failure_reason"]
    detail = client.get(f"{ORDERS}{order['id']}/", headers=headers).get_json()["data"]
    assert (detail["status"], detail["payment_status"]) == ("pending", "failed")
    assert pay(client, headers, order).get_json()["data"]["status"] == "succeeded"
    assert pay(client, headers, order, token="tok_unknown").status_code in (400, 409)


def test_wrong_provider_for_the_method(client, customer, auth_headers, make_product, place_order):
    order = place_order(customer, make_product(stock=5), payment_method="cash_on_delivery").get_json()["data"]
    r = pay(client, auth_headers(customer), order, provider="dummy")
    assert r.status_code == 400 and "provider" in r.get_json()["errors"]


def test_processing_payment_completes_by_signed_webhook_once(client, customer, auth_headers, make_product, place_order):
    order = place_order(customer, make_product(stock=5)).get_json()["data"]
    headers = auth_headers(customer)
    payment = pay(client, headers, order, token="tok_processing").get_json()["data"]
    assert payment["status"] == "pending"
    event = captured("evt_1", payment)
    for signature in (
        "",
        "t=1,v1=abc",
        sign(json.dumps(event).encode(), timestamp=int(time.time()) - 3600),
        sign(b"something else"),
    ):
        refused = webhook(client, event, signature)
        assert refused.status_code == 401 and refused.get_json()["code"] == "invalid_signature"
    assert client.get(f"{ORDERS}{order['id']}/", headers=headers).get_json()["data"]["payment_status"] == "pending"
    ok = webhook(client, event)
    assert ok.status_code == 200 and ok.get_json()["data"] == {"received": True, "duplicate": False}
    replay = webhook(client, event)
    assert replay.status_code == 200 and replay.get_json()["data"]["duplicate"] is True
    detail = client.get(f"{ORDERS}{order['id']}/", headers=headers).get_json()["data"]
    assert (detail["status"], detail["payment_status"]) == ("confirmed", "paid")
    unknown = webhook(client, captured("evt_2", {**payment, "provider_reference": "nope"}))
    assert unknown.status_code == 404


def test_manual_payment_marked_by_staff(client, customer, staff, auth_headers, make_product, place_order):
    order = place_order(customer, make_product(stock=5), payment_method="bank_transfer").get_json()["data"]
    assert client.post(f"{ORDERS}{order['id']}/mark_paid/", headers=auth_headers(customer), json={}).status_code == 403
    r = client.post(f"{ORDERS}{order['id']}/mark_paid/", headers=auth_headers(staff), json={"note": "Wire received"})
    assert r.status_code == 200 and r.get_json()["data"]["status"] == "succeeded"
    detail = client.get(f"{ORDERS}{order['id']}/", headers=auth_headers(staff)).get_json()["data"]
    assert (detail["status"], detail["payment_status"]) == ("confirmed", "paid")
    assert detail["history"][-1]["note"] == "Wire received"


def test_cancelling_a_paid_order_refunds_it(client, customer, auth_headers, make_product, place_order):
    order = place_order(customer, make_product(stock=5)).get_json()["data"]
    headers = auth_headers(customer)
    pay(client, headers, order)
    r = client.post(f"{ORDERS}{order['id']}/cancel/", headers=headers, json={})
    assert r.status_code == 200
    data = r.get_json()["data"]
    assert (data["status"], data["payment_status"]) == ("cancelled", "refunded")
    assert data["payments"][0]["status"] == "refunded" and data["payments"][0]["refunded_amount"] == order["total"]


def test_expire_unpaid_card_orders(app, client, customer, make_product, place_order):
    product = make_product(stock=5)
    stale = place_order(customer, [(product, 2)]).get_json()["data"]
    fresh = place_order(customer, [(product, 1)]).get_json()["data"]
    cod = place_order(customer, [(product, 1)], payment_method="cash_on_delivery").get_json()["data"]
    for order_id in (stale["id"], cod["id"]):
        db.session.get(Order, uuid.UUID(order_id)).created_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["orders", "expire-unpaid"])
    assert result.exit_code == 0 and "1" in result.output
    db.session.expire_all()
    statuses = {
        oid: db.session.get(Order, uuid.UUID(oid)).status.value for oid in (stale["id"], fresh["id"], cod["id"])
    }
    assert statuses == {stale["id"]: "cancelled", fresh["id"]: "pending", cod["id"]: "pending"}
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 3
    assert db.session.scalar(select(Payment.id)) is None


# --- Money that arrives when the order no longer wants it (issue 17, items 1-3) -------------------


def dummy_gateway():
    from kastoma.orders.providers import PROVIDERS

    return PROVIDERS["dummy"]


def processing_order(client, customer, auth_headers, make_product, place_order, stock=5):
    product = make_product(price="15.99", stock=stock)
    order = place_order(customer, product).get_json()["data"]
    payment = pay(client, auth_headers(customer), order, token="tok_processing").get_json()["data"]
    assert payment["status"] == "pending"
    return product, order, payment


def assert_refunded_late_capture(client, headers, order, payment, product):
    detail = client.get(f"{ORDERS}{order['id']}/", headers=headers).get_json()["data"]
    assert (detail["status"], detail["payment_status"]) == ("cancelled", "refunded")
    [charge] = detail["payments"]
    assert (charge["status"], charge["refunded_amount"]) == ("refunded", order["total"])
    assert "refunded" in detail["history"][-1]["note"]
    assert (payment["provider_reference"], payment["amount"]) in [(r, str(a)) for r, a in dummy_gateway().refunds]
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 5, "restocked once, by the cancellation"


def test_a_capture_after_the_customer_cancelled_is_refunded(client, customer, auth_headers, make_product, place_order):
    headers = auth_headers(customer)
    product, order, payment = processing_order(client, customer, auth_headers, make_product, place_order)
    cancelled = client.post(f"{ORDERS}{order['id']}/cancel/", headers=headers, json={}).get_json()["data"]
    assert cancelled["payments"][0]["status"] == "cancelled", "the pending charge is voided first"
    assert payment["provider_reference"] in dummy_gateway().voided
    r = webhook(client, captured("evt_late_1", payment))
    assert r.status_code == 200 and r.get_json()["data"] == {"received": True, "duplicate": False}
    assert_refunded_late_capture(client, headers, order, payment, product)
    assert webhook(client, captured("evt_late_1", payment)).get_json()["data"]["duplicate"] is True


def test_a_capture_after_the_order_expired_is_refunded(
    app, client, customer, auth_headers, make_product, place_order, monkeypatch
):
    headers = auth_headers(customer)
    product, order, payment = processing_order(client, customer, auth_headers, make_product, place_order)
    monkeypatch.setitem(app.config, "ORDER_PAYMENT_TIMEOUT_MINUTES", 0)
    result = app.test_cli_runner().invoke(args=["orders", "expire-unpaid"])
    assert result.exit_code == 0 and order["order_number"] in result.output
    assert webhook(client, captured("evt_late_2", payment)).status_code == 200
    assert_refunded_late_capture(client, headers, order, payment, product)


def test_staff_cannot_mark_a_card_order_paid_while_its_charge_is_in_flight(
    client, customer, staff, auth_headers, make_product, place_order
):
    _, order, payment = processing_order(client, customer, auth_headers, make_product, place_order)
    r = client.post(f"{ORDERS}{order['id']}/mark_paid/", headers=auth_headers(staff), json={})
    assert r.status_code == 409 and r.get_json()["code"] == "paid_through_provider"
    assert webhook(client, captured("evt_in_flight", payment)).status_code == 200
    detail = client.get(f"{ORDERS}{order['id']}/", headers=auth_headers(staff)).get_json()["data"]
    assert (detail["status"], detail["payment_status"]) == ("confirmed", "paid")
    assert [p["status"] for p in detail["payments"]] == ["succeeded"]


def test_a_late_capture_of_an_order_paid_meanwhile_is_recorded_and_refunded(
    client, customer, auth_headers, make_product, place_order
):
    """A charge declined at first, then captured by the provider after another card paid."""
    headers = auth_headers(customer)
    order = place_order(customer, make_product(price="15.99", stock=5)).get_json()["data"]
    declined = pay(client, headers, order, token="tok_chargeDeclined").get_json()["data"]
    assert pay(client, headers, order).get_json()["data"]["status"] == "succeeded"
    assert webhook(client, captured("evt_second", declined)).status_code == 200
    detail = client.get(f"{ORDERS}{order['id']}/", headers=headers).get_json()["data"]
    assert (detail["status"], detail["payment_status"]) == ("confirmed", "paid")
    assert sorted(p["status"] for p in detail["payments"]) == ["refunded", "succeeded"]
    assert (declined["provider_reference"], declined["amount"]) in [(r, str(a)) for r, a in dummy_gateway().refunds]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"amount": "0.01"}, "amount_mismatch"),
        ({"currency": "EUR"}, "amount_mismatch"),
        ({"amount": "0.01", "currency": "EUR"}, "amount_mismatch"),
        ({"amount": "-15.99"}, "validation_error"),
        ({"amount": "15.999"}, "validation_error"),
        ({"currency": "usd"}, "validation_error"),
    ],
)
def test_a_capture_for_another_amount_or_currency_is_refused(
    client, customer, auth_headers, make_product, place_order, data, code
):
    _, order, payment = processing_order(client, customer, auth_headers, make_product, place_order)
    r = webhook(client, captured("evt_wrong", payment, **data))
    assert r.status_code == 400 and r.get_json()["code"] == code, r.get_json()
    detail = client.get(f"{ORDERS}{order['id']}/", headers=auth_headers(customer)).get_json()["data"]
    assert (detail["status"], detail["payment_status"]) == ("pending", "pending")
    assert detail["payments"][0]["status"] == "pending"
    # The refusal recorded nothing: the right event, sent again under the same id, applies.
    assert webhook(client, captured("evt_wrong", payment)).get_json()["data"]["duplicate"] is False


def test_a_capture_must_say_what_it_captured(client, customer, auth_headers, make_product, place_order):
    _, order, payment = processing_order(client, customer, auth_headers, make_product, place_order)
    event = {"id": "evt_bare", "type": "payment.succeeded", "data": {"reference": payment["provider_reference"]}}
    r = webhook(client, event)
    assert r.status_code == 400 and set(r.get_json()["errors"]) == {"data.amount", "data.currency"}
