"""The demo coupons of `flask seed` (created only when missing)."""

from __future__ import annotations

from decimal import Decimal

from kastoma.orders.coupons import create_coupon, find_coupon
from kastoma.orders.totals import DiscountType

DEMO_COUPONS = [
    {
        "code": "WELCOME10",
        "description": "10% off your first order",
        "discount_type": DiscountType.PERCENTAGE,
        "value": Decimal("10"),
        "per_user_limit": 1,
    },
    {
        "code": "SAVE20",
        "description": "20.00 off orders of 100.00 or more",
        "discount_type": DiscountType.FIXED,
        "value": Decimal("20.00"),
        "min_order_amount": Decimal("100.00"),
    },
    {
        "code": "HALFOFF",
        "description": "50% off, at most 50.00, first 100 uses",
        "discount_type": DiscountType.PERCENTAGE,
        "value": Decimal("50"),
        "max_discount": Decimal("50.00"),
        "usage_limit": 100,
    },
]


def ensure_demo_coupons() -> int:
    created = 0
    for data in DEMO_COUPONS:
        if find_coupon(data["code"]) is None:
            create_coupon(data)
            created += 1
    return created
