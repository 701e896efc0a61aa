"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", with a freshness window."""

from __future__ import annotations

import time

import pytest

from kastoma.orders.providers import InvalidSignature, sign, verify_signature

BODY = b'{"id": "evt_1", "type": "payment.succeeded", "data": {"reference": "dum_x"}}'


def test_a_fresh_correct_signature_passes(app):
    with app.app_context():
        verify_signature(sign(BODY), BODY)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h, b: (None, b),
        lambda h, b: ("", b),
        lambda h, b: ("garbage", b),
        lambda h, b: (h, b + b" "),
        lambda h, b: (h.replace("v1=", "v1=0"), b),
        lambda h, b: (sign(b, secret="another-secret-of-sufficient-length"), b),
        lambda h, b: (sign(b, timestamp=int(time.time()) - 301), b),
        lambda h, b: (sign(b, timestamp=int(time.time()) + 301), b),
    ],
)
def test_missing_wrong_or_stale_signatures_fail(app, mutate):
    with app.app_context():
        header, body = mutate(sign(BODY), BODY)
        with pytest.raises(InvalidSignature):
            verify_signature(header, body)
