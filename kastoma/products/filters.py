"""The product filters of listings, as a shape and bound values.

A request's filters are split in two: their *shape* (which filters, hashable) and their *values*
(bound parameters). The SQL of a shape is built once and reused by every request of that shape
(kastoma/products/listing.py keeps the statements), so a request only binds its values.
Building a SELECT per request cost more Python than everything else a listing read does:
constructing the expressions, computing the statement's cache key, then matching its result
columns to those of the cached compiled form (profiled, docs/PERFORMANCE.md).
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, exists, func, or_
from sqlalchemy.sql.elements import ColumnElement

from kastoma.products.categories import filter_category_id, subtree_filter_ids
from kastoma.products.models import Product, ProductVariant
from kastoma.products.search import search_filter, search_sql

# Range filters: query key -> (column, comparison). A product's prices span
# price_min..price_max, so a price range matches when any of its prices (variants included)
# falls in it.
RANGES = {
    "min_price": (Product.price_max, operator.ge),
    "max_price": (Product.price_min, operator.le),
    "created_after": (Product.created_at, operator.ge),
    "created_before": (Product.created_at, operator.le),
}


@dataclass
class Filters:
    shape: list[Hashable] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, shape: Hashable, **params: Any) -> None:
        self.shape.append(shape)
        self.params.update(params)

    def extend(self, other: Filters) -> None:
        self.shape.extend(other.shape)
        self.params.update(other.params)

    @property
    def search(self) -> tuple | None:
        return search_shape(self.shape)


def search_shape(shape: Iterable[Hashable]) -> tuple | None:
    """The search's part of a shape, if it is a search."""
    return next((s for s in shape if isinstance(s, tuple) and s[0] == "search"), None)


def product_filters(query: dict[str, Any], include_inactive: bool = False) -> Filters:
    """The filters of a listing query (the ProductQuerySchema's output)."""
    filters = Filters()
    if not include_inactive:
        filters.add("active")
    if query.get("category"):
        filters.add("category", category=filter_category_id(query["category"], "category", include_inactive))
    if query.get("category_tree"):
        ids = subtree_filter_ids(query["category_tree"], "category_tree", include_inactive)
        filters.add("category_tree", category_tree=ids)
    for key in RANGES:
        if query.get(key) is not None:
            filters.add(key, **{key: query[key]})
    for flag in ("in_stock", "is_featured"):
        if query.get(flag) is not None:
            filters.add((flag, query[flag]))
    for i, (key, values) in enumerate((query.get("attributes") or {}).items()):
        # The key is part of the shape: attribute keys are few and validated (ATTRIBUTE_KEY).
        filters.add(("attribute", key, i, len(values)), **{f"attr_{i}_{j}": v.lower() for j, v in enumerate(values)})
    if query.get("search"):
        shape, params = search_filter(query["search"])
        filters.add(shape, **params)
    return filters


def _attribute_matches(column: Any, key: str, i: int, count: int) -> Any:
    return or_(*(func.lower(column[key].as_string()) == bindparam(f"attr_{i}_{j}") for j in range(count)))


def condition(shape: Hashable) -> ColumnElement[bool]:
    """The SQL of one filter, its values left as bound parameters named as in `product_filters`."""
    if shape == "active":
        return Product.is_active.is_(True)
    if shape == "category":
        return Product.category_id == bindparam("category")
    if shape in ("category_tree", "within"):
        return Product.category_id.in_(bindparam(shape, expanding=True))
    if shape in RANGES:
        column, compare = RANGES[shape]
        return compare(column, bindparam(shape))
    match shape:
        case ("in_stock", wanted):
            return Product.stock_total > 0 if wanted else Product.stock_total == 0
        case ("is_featured", wanted):
            return Product.is_featured.is_(wanted)
        case ("attribute", key, i, count):
            on_variant = exists().where(
                ProductVariant.product_id == Product.id,
                ProductVariant.is_active.is_(True),
                _attribute_matches(ProductVariant.attributes, key, i, count),
            )
            return or_(_attribute_matches(Product.attributes, key, i, count), on_variant)
        case ("search", *_):
            return search_sql(shape).condition
    raise ValueError(f"unknown filter {shape!r}")
