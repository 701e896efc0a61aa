"""Product cards: the shape of a product in every list (documented by ProductListSchema).

A card is the most served shape of the API, so it is built by plain code, once: listings select
only the card's columns as rows (no ORM objects) and take the category from the cached category
index; a loaded Product (related products, low stock) goes through the same `product_card`.
Profiled on 100k products, a page of 20 cards costs half of what ORM loading plus
field-by-field dumping did (docs/PERFORMANCE.md).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from sqlalchemy import Select, select

from kastoma.media import media_url
from kastoma.products.categories import category_index
from kastoma.products.models import Product, ProductImage

# Every column a card shows, plus order_count (a sort key, so cursors can be built from rows).
CARD_COLUMNS = (
    Product.id,
    Product.name,
    Product.slug,
    Product.sku,
    Product.price,
    Product.compare_at_price,
    Product.price_min,
    Product.price_max,
    Product.stock_total,
    Product.variant_count,
    Product.is_featured,
    Product.is_active,
    Product.category_id,
    Product.rating_average,
    Product.review_count,
    Product.order_count,
    Product.created_at,
)


# The card's primary image as a correlated subquery, not a join: PostgreSQL evaluates it only for
# the rows the sort hands on (OFFSET + LIMIT of them), where a join could be run for every match
# before the sort (a search ranking a thousand matches joined a thousand images for a page of 20).
_PRIMARY_IMAGE = (
    select(ProductImage.image)
    .where(ProductImage.product_id == Product.id, ProductImage.is_primary.is_(True))
    .limit(1)
    .scalar_subquery()
    .label("image")
)
_CARDS = select(*CARD_COLUMNS, _PRIMARY_IMAGE)  # statements are immutable: built once


def card_select(*extra: Any) -> Select:
    """SELECT the card columns (and `extra` ones) of products, with their primary image."""
    return _CARDS.add_columns(*extra) if extra else _CARDS


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def rating(p: Any) -> dict[str, Any]:
    """Approved reviews: their average and count (kept on the product row)."""
    return {"average": float(p.rating_average), "count": p.review_count}


def product_card(p: Any, category: Any, image: str | None) -> dict[str, Any]:
    """The card of `p` (a Product or a row of CARD_COLUMNS); `category` has id, name and slug."""
    return {
        "id": str(p.id),
        "name": p.name,
        "slug": p.slug,
        "sku": p.sku,
        "price": _money(p.price),
        "compare_at_price": _money(p.compare_at_price),
        "price_range": {"min": _money(p.price_min), "max": _money(p.price_max)},
        "stock": p.stock_total,
        "in_stock": p.stock_total > 0,
        "has_variants": p.variant_count > 0,
        "is_featured": p.is_featured,
        "is_active": p.is_active,
        "category": {"id": str(category.id), "name": category.name, "slug": category.slug},
        "image_url": media_url(image) if image else None,
        "rating": rating(p),
        "created_at": p.created_at.isoformat(),
    }


# A card row as a namedtuple: reading a field of one costs a twentieth of a SQLAlchemy Row's
# attribute lookup, half of what building a card cost (profiled).
_CardRow = namedtuple("_CardRow", [*(column.key for column in CARD_COLUMNS), "image"])  # type: ignore[misc]
_FIELDS = len(_CardRow._fields)


def cards(rows: list[Any]) -> list[dict[str, Any]]:
    """The cards of rows selected by `card_select()` (extra columns after the card's are ignored)."""
    categories = category_index().by_id
    built = []
    for row in rows:
        p = _CardRow._make(row[:_FIELDS])
        built.append(product_card(p, categories[str(p.category_id)], p.image))
    return built


def card_of(product: Product) -> dict[str, Any]:
    image = product.primary_image
    return product_card(product, product.category, image.image if image else None)
