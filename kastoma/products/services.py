"""Product and variant services: lookups by id or slug, writes, soft delete, derived totals.

Functions take model objects and plain data, raise DomainErrors and never commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from kastoma.errors import NotFound, ValidationFailed
from kastoma.extensions import db
from kastoma.products import inventory, ratings
from kastoma.products.locks import lock_product
from kastoma.products.models import Category, Product, ProductVariant, StockReason
from kastoma.products.slugs import check_slug, parse_ref, slugify, unique_slug
from kastoma.users.models import User

RELATED_LIMIT = 4


# --- Lookups ------------------------------------------------------------------------------------


def get_product(ref: str, include_inactive: bool = False, *, options: tuple = ()) -> Product:
    """A product by UUID or slug; inactive ones only for staff. 404 otherwise."""
    parsed = parse_ref(ref)
    stmt = select(Product).options(*options)
    if isinstance(parsed, uuid.UUID):
        stmt = stmt.where(Product.id == parsed)
    elif parsed:
        stmt = stmt.where(Product.slug == parsed)
    else:
        raise NotFound("Product not found.")
    product = db.session.scalar(stmt)
    if product is None or not (product.is_active or include_inactive):
        raise NotFound("Product not found.")
    return product


def filter_product(ref: str, field: str) -> Product:
    """A product named in a query filter: an unknown one is a 400 on that field, not a 404."""
    try:
        return get_product(ref, include_inactive=True)
    except NotFound as exc:
        raise ValidationFailed(errors={field: ["No such product."]}) from exc


def product_detail(ref: str, include_inactive: bool = False) -> Product:
    """The product with its variants, images, rating distribution and related products."""
    product = get_product(ref, include_inactive, options=(selectinload(Product.variants), selectinload(Product.images)))
    # The primary image is among the images just loaded: no query of its own.
    set_committed_value(product, "primary_image", next((i for i in product.images if i.is_primary), None))
    product.visible_variants = [v for v in product.variants if v.is_active or include_inactive]
    product.rating_distribution = ratings.rating_distribution(product)
    product.related_products = list(
        db.session.scalars(
            select(Product)
            .where(Product.category_id == product.category_id, Product.id != product.id, Product.is_active.is_(True))
            .options(selectinload(Product.primary_image))
            .order_by(Product.order_count.desc(), Product.rating_average.desc(), Product.id)
            .limit(RELATED_LIMIT)
        )
    )
    return product


def get_variant(product: Product, variant_id: uuid.UUID, include_inactive: bool = False) -> ProductVariant:
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None or variant.product_id != product.id or not (variant.is_active or include_inactive):
        raise NotFound("Variant not found.")
    return variant


def variants_of(product: Product, include_inactive: bool = False) -> list[ProductVariant]:
    return [v for v in product.variants if v.is_active or include_inactive]


# --- Derived columns ----------------------------------------------------------------------------


def refresh_aggregates(product: Product) -> None:
    """Recompute price range, total stock and variant count from the active variants."""
    db.session.flush()
    price = func.coalesce(ProductVariant.price, product.price)
    count, low, high, stock = db.session.execute(
        select(func.count(), func.min(price), func.max(price), func.coalesce(func.sum(ProductVariant.stock), 0)).where(
            ProductVariant.product_id == product.id, ProductVariant.is_active.is_(True)
        )
    ).one()
    product.variant_count = count
    if count:
        product.price_min, product.price_max, product.stock_total = low, high, stock
    else:
        own_stock = db.session.scalar(select(Product.stock).where(Product.id == product.id))
        product.price_min = product.price_max = product.price
        product.stock_total = own_stock


# --- Products -----------------------------------------------------------------------------------


def _check_unique_sku(sku: str, *, product_id: uuid.UUID | None = None, variant_id: uuid.UUID | None = None) -> None:
    """SKUs are unique across products and variants alike."""
    taken = db.session.scalar(select(Product.id).where(func.upper(Product.sku) == sku, Product.id != product_id))
    taken = taken or db.session.scalar(
        select(ProductVariant.id).where(func.upper(ProductVariant.sku) == sku, ProductVariant.id != variant_id)
    )
    if taken:
        raise ValidationFailed(errors={"sku": ["This SKU is already used by another product or variant."]})


def _check_category(category_id: uuid.UUID) -> None:
    if db.session.get(Category, category_id) is None:
        raise ValidationFailed(errors={"category_id": ["No such category."]})


def _apply_product_fields(product: Product, data: dict[str, Any]) -> None:
    if "sku" in data:
        data["sku"] = data["sku"].upper()
        if data["sku"] != product.sku:
            _check_unique_sku(data["sku"], product_id=product.id)
    if "category_id" in data and data["category_id"] != product.category_id:
        _check_category(data["category_id"])
    if data.get("slug") and data["slug"] != product.slug:
        check_slug(data["slug"])
        if unique_slug(Product, data["slug"], "product", exclude_id=product.id) != data["slug"]:
            raise ValidationFailed(errors={"slug": ["A product with this slug already exists."]})
    price = data.get("price", product.price)
    compare_at = data.get("compare_at_price", product.compare_at_price)
    if price is not None and compare_at is not None and compare_at < price:
        raise ValidationFailed(errors={"compare_at_price": ["The compare-at (was) price cannot be below the price."]})
    for field, value in data.items():
        if field != "slug" or value:
            setattr(product, field, value)


def create_product(data: dict[str, Any], actor: User | None) -> Product:
    data = dict(data)
    stock = data.pop("stock", 0)
    if not data.get("slug"):
        data["slug"] = unique_slug(Product, slugify(data["name"]), "product")
    product = Product(stock=0, stock_total=0, price_min=data["price"], price_max=data["price"])
    _apply_product_fields(product, data)
    db.session.add(product)
    db.session.flush()
    if stock:
        inventory.change_stock(product, stock, StockReason.ADJUSTMENT, note="Initial stock", actor=actor)
    return product


def update_product(product: Product, data: dict[str, Any]) -> Product:
    lock_product(product)
    _apply_product_fields(product, dict(data))
    refresh_aggregates(product)
    return product


def deactivate_product(product: Product) -> None:
    """Soft delete: products are never removed (orders keep pointing at them)."""
    product.is_active = False


def restore_product(product: Product) -> None:
    product.is_active = True


# --- Variants -----------------------------------------------------------------------------------


def create_variant(product: Product, data: dict[str, Any], actor: User | None) -> ProductVariant:
    data = dict(data)
    stock = data.pop("stock", 0)
    data["sku"] = data["sku"].upper()
    _check_unique_sku(data["sku"])
    lock_product(product)
    if product.variant_count == 0 and product.stock > 0:
        raise ValidationFailed(
            "Move the product's own stock to zero before adding variants: stock is then kept per variant.",
            errors={"stock": [f"The product still holds {product.stock} in stock."]},
        )
    data.setdefault("sort_order", len(product.variants))  # in the order they were added
    variant = ProductVariant(product=product, stock=0, **data)
    db.session.add(variant)
    refresh_aggregates(product)
    if stock:
        inventory.change_stock(
            product, stock, StockReason.ADJUSTMENT, variant=variant, note="Initial stock", actor=actor
        )
    return variant


def update_variant(variant: ProductVariant, data: dict[str, Any]) -> ProductVariant:
    data = dict(data)
    if "sku" in data:
        data["sku"] = data["sku"].upper()
        if data["sku"] != variant.sku:
            _check_unique_sku(data["sku"], variant_id=variant.id)
    lock_product(variant.product)
    for field, value in data.items():
        setattr(variant, field, value)
    refresh_aggregates(variant.product)
    return variant


def deactivate_variant(variant: ProductVariant) -> None:
    lock_product(variant.product)
    variant.is_active = False
    refresh_aggregates(variant.product)
