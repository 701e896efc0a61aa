"""Whether a product (and variant) can be put in a cart or a wishlist: the product active, the
variant an active one of it, and a variant chosen when the product has them (for the cart)."""

from __future__ import annotations

import uuid

from kastoma.errors import DomainError, NotFound, ValidationFailed
from kastoma.extensions import db
from kastoma.products.models import Product, ProductVariant


def availability_problem(
    product: Product | None,
    variant: ProductVariant | None,
    variant_id: uuid.UUID | None,
    *,
    variant_required: bool = True,
) -> DomainError | None:
    """The error to answer for this product and variant, or None when they may be offered."""
    if product is None or not product.is_active:
        return NotFound("Product not found.")
    if variant_id is not None:
        if variant is None or variant.product_id != product.id or not variant.is_active:
            return NotFound("Variant not found.")
    elif variant_required and product.variant_count > 0:
        return ValidationFailed(
            "Choose a variant of this product.", errors={"variant_id": ["This product has variants; choose one."]}
        )
    return None


def load(product_id: uuid.UUID, variant_id: uuid.UUID | None) -> tuple[Product | None, ProductVariant | None]:
    return db.session.get(Product, product_id), db.session.get(ProductVariant, variant_id) if variant_id else None


def check_available(product_id: uuid.UUID, variant_id: uuid.UUID | None, *, variant_required: bool = True) -> None:
    product, variant = load(product_id, variant_id)
    problem = availability_problem(product, variant, variant_id, variant_required=variant_required)
    if problem is not None:
        raise problem
