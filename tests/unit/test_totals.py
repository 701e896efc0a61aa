"""Order arithmetic, exactly as DESIGN §5 states it, with property-based checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kastoma.orders.totals import (
    Discount,
    DiscountType,
    PricingRules,
    ShippingMethod,
    compute_totals,
    discount_amount,
    money,
)

RULES = PricingRules(
    rates={
        ShippingMethod.STANDARD: Decimal("5.99"),
        ShippingMethod.EXPRESS: Decimal("12.99"),
        ShippingMethod.OVERNIGHT: Decimal("24.99"),
        ShippingMethod.INTERNATIONAL: Decimal("15.99"),
    },
    free_shipping_threshold=Decimal("100.00"),
    tax_rate=Decimal("0"),
    currency="USD",
)
D = Decimal


def test_worked_example():
    rules = PricingRules(RULES.rates, RULES.free_shipping_threshold, D("8.25"), "USD")
    totals = compute_totals(
        [(D("19.99"), 3), (D("5.00"), 1)], ShippingMethod.EXPRESS, rules, Discount(DiscountType.PERCENTAGE, D("10"))
    )
    assert totals.subtotal == D("64.97")
    assert totals.discount == D("6.50")  # 6.497 rounds half up
    assert totals.shipping == D("12.99")
    assert totals.tax == D("4.82")  # 8.25% of 58.47 = 4.8237...
    assert totals.total == D("76.28")


@pytest.mark.parametrize(
    ("subtotal_price", "discount", "method", "shipping"),
    [
        (D("100.00"), None, ShippingMethod.STANDARD, D("0.00")),
        (D("99.99"), None, ShippingMethod.STANDARD, D("5.99")),
        (D("110.00"), Discount(DiscountType.FIXED, D("10.01")), ShippingMethod.STANDARD, D("5.99")),
        (D("150.00"), None, ShippingMethod.EXPRESS, D("12.99")),
        (D("150.00"), None, ShippingMethod.OVERNIGHT, D("24.99")),
        (D("150.00"), None, ShippingMethod.INTERNATIONAL, D("15.99")),
    ],
)
def test_shipping_rates_and_free_standard_threshold_after_discount(subtotal_price, discount, method, shipping):
    assert compute_totals([(subtotal_price, 1)], method, RULES, discount).shipping == shipping


def test_discounts():
    assert discount_amount(D("80.00"), Discount(DiscountType.PERCENTAGE, D("25"))) == D("20.00")
    assert discount_amount(D("80.00"), Discount(DiscountType.PERCENTAGE, D("25"), D("15.00"))) == D("15.00")
    assert discount_amount(D("30.00"), Discount(DiscountType.FIXED, D("50.00"))) == D("30.00")
    assert discount_amount(D("0.00"), Discount(DiscountType.FIXED, D("5.00"))) == D("0.00")
    assert discount_amount(D("10.00"), None) == D("0.00")


def test_empty_cart_costs_nothing():
    totals = compute_totals([], ShippingMethod.EXPRESS, RULES)
    assert (totals.subtotal, totals.shipping, totals.total) == (D("0.00"), D("0.00"), D("0.00"))


prices = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
lines = st.lists(st.tuples(prices, st.integers(min_value=1, max_value=50)), min_size=1, max_size=8)
discounts = st.one_of(
    st.none(),
    st.builds(
        Discount,
        st.just(DiscountType.PERCENTAGE),
        st.decimals(min_value=D("0.01"), max_value=D("100"), places=2),
        st.one_of(st.none(), prices),
    ),
    st.builds(
        Discount,
        st.just(DiscountType.FIXED),
        st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2),
        st.one_of(st.none(), prices),
    ),
)
tax_rates = st.decimals(min_value=D("0"), max_value=D("30"), places=3)


@given(lines, discounts, st.sampled_from(list(ShippingMethod)), tax_rates)
def test_totals_properties(lines, discount, method, tax_rate):
    rules = PricingRules(RULES.rates, RULES.free_shipping_threshold, tax_rate, "USD")
    t = compute_totals(lines, method, rules, discount)
    amounts = (t.subtotal, t.discount, t.shipping, t.tax, t.total)
    assert all(a >= 0 for a in amounts), "totals are never negative"
    assert all(a == a.quantize(D("0.01")) for a in amounts), "every amount is in cents"
    assert t.discount <= t.subtotal, "the discount never exceeds the subtotal"
    if discount is not None and discount.max_discount is not None:
        assert t.discount <= money(discount.max_discount)
    assert t.total == t.subtotal - t.discount + t.shipping + t.tax, "the parts add up exactly"
    assert t.subtotal == money(sum(money(p) * q for p, q in lines))
    assert t.tax == money((t.subtotal - t.discount) * tax_rate / 100)
    if method is ShippingMethod.STANDARD and t.subtotal - t.discount >= rules.free_shipping_threshold:
        assert t.shipping == 0


@given(st.decimals(min_value=D("0"), max_value=D("1000"), places=3))
def test_rounding_is_half_up(value):
    expected = (value * 1000).to_integral_value()
    cents = int(expected) // 10 + (1 if int(expected) % 10 >= 5 else 0)
    assert money(value) == D(cents) / 100
