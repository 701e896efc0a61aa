"""The orders' port to the catalogue: purchasable items, live prices, stock locks and moves.

Locks are always taken in one global order (products by id, then variants by id) so that two
checkouts of overlapping carts wait for each other instead of deadlocking.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select

from kastoma.extensions import db
from kastoma.products import availability
from kastoma.products.inventory import StockChange, change_stock_many
from kastoma.products.models import Product, ProductVariant, StockReason

Pair = tuple[uuid.UUID, uuid.UUID | None]


def get_purchasable(
    product_id: uuid.UUID, variant_id: uuid.UUID | None, *, required: bool = True
) -> tuple[Product | None, ProductVariant | None]:
    """The active product (and its active variant); a product with variants needs one."""
    product, variant = availability.load(product_id, variant_id)
    problem = availability.availability_problem(product, variant, variant_id)
    if problem is None:
        return product, variant
    if not required:
        return None, None
    raise problem


def available(product: Product, variant: ProductVariant | None) -> int:
    return variant.stock if variant is not None else product.stock


def unit_price(product: Product, variant: ProductVariant | None) -> Decimal:
    return variant.price if variant is not None and variant.price is not None else product.price


def snapshot_attributes(product: Product, variant: ProductVariant | None) -> dict[str, Any]:
    return dict(variant.attributes if variant is not None else product.attributes or {})


# Built once, the ids bound per request (see kastoma/auth.py _TOKEN_USER).
_PRODUCTS = select(Product).where(Product.id.in_(bindparam("ids", expanding=True)))
_VARIANTS = select(ProductVariant).where(ProductVariant.id.in_(bindparam("ids", expanding=True)))
# Fresh values (populate_existing), rows locked in id order.
_LOCK_PRODUCTS = _PRODUCTS.order_by(Product.id).with_for_update(of=Product).execution_options(populate_existing=True)
_LOCK_VARIANTS = _VARIANTS.order_by(ProductVariant.id).with_for_update().execution_options(populate_existing=True)


def _by_id(statement, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    ids = sorted(set(ids))
    return {row.id: row for row in db.session.scalars(statement, {"ids": ids})} if ids else {}


def load_many(pairs: Iterable[Pair]) -> dict[Pair, tuple[Product, ProductVariant | None]]:
    """Products and variants for many cart lines in two queries (no N+1)."""
    pairs = list(pairs)
    products = _by_id(_PRODUCTS, (p for p, _ in pairs))
    variants = _by_id(_VARIANTS, (v for _, v in pairs if v))
    return {(p, v): (products[p], variants.get(v) if v else None) for p, v in pairs if p in products}


def _lock(pairs: list[Pair]) -> tuple[dict[uuid.UUID, Product], dict[uuid.UUID, ProductVariant]]:
    """SELECT ... FOR UPDATE every product, then every variant, each in id order; fresh values."""
    return _by_id(_LOCK_PRODUCTS, (p for p, _ in pairs)), _by_id(_LOCK_VARIANTS, (v for _, v in pairs if v))


def lock_for_sale(pairs: Iterable[Pair]) -> dict[Pair, tuple[Product, ProductVariant | None]]:
    """Lock the rows of every line and check each line is purchasable."""
    pairs = list(pairs)
    products, variants = _lock(pairs)
    result = {}
    for product_id, variant_id in pairs:
        product, variant = products.get(product_id), variants.get(variant_id) if variant_id else None
        problem = availability.availability_problem(product, variant, variant_id)
        if problem is not None:
            raise problem
        result[(product_id, variant_id)] = (product, variant)
    return result


def sell(lines: list[tuple[Product, ProductVariant | None, int]], *, order: Any, actor: Any) -> None:
    """Take each line's quantity out of stock for `order` (rows locked by lock_for_sale)."""
    change_stock_many(
        [StockChange(product, -quantity, variant) for product, variant, quantity in lines],
        StockReason.SALE,
        reference=order.order_number,
        actor=actor,
    )


def restock(order: Any, actor: Any) -> None:
    """Put a cancelled order's items back, even for products deactivated since."""
    pairs = [(item.product_id, item.variant_id) for item in order.items]
    products, variants = _lock(pairs)
    change_stock_many(
        [
            StockChange(
                products[item.product_id], item.quantity, variants.get(item.variant_id) if item.variant_id else None
            )
            for item in order.items
        ],
        StockReason.CANCELLATION,
        reference=order.order_number,
        actor=actor,
    )
