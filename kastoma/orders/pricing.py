"""Lines priced at the catalogue's live prices, and their totals: one pricing for the cart and
for checkout, so the estimate a cart shows is what checkout charges."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kastoma.orders import purchasable
from kastoma.orders.models import CartItem
from kastoma.orders.totals import Discount, ShippingMethod, Totals, compute_totals, money, pricing_rules
from kastoma.products.models import Product, ProductVariant


@dataclass(frozen=True)
class PricedLine:
    product: Product
    variant: ProductVariant | None
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    item: CartItem | None = None  # the cart line it prices (none at a buy-now checkout)

    @property
    def available_stock(self) -> int:
        return purchasable.available(self.product, self.variant)


def price_line(
    product: Product, variant: ProductVariant | None, quantity: int, item: CartItem | None = None
) -> PricedLine:
    price = purchasable.unit_price(product, variant)
    return PricedLine(product, variant, quantity, price, money(price * quantity), item)


def subtotal(lines: list[PricedLine]) -> Decimal:
    return money(sum((line.line_total for line in lines), Decimal("0")))


def totals(lines: list[PricedLine], method: ShippingMethod, discount: Discount | None) -> Totals:
    return compute_totals([(line.unit_price, line.quantity) for line in lines], method, pricing_rules(), discount)
