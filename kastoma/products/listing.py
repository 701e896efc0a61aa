"""Product listings: filters, orderings, page and keyset (cursor) pagination, cached counts.

A page costs a constant number of queries: the count (cached per filter key and catalogue
version) and the page itself, as card rows (kastoma/products/cards.py). Both statements are
built once per shape of query and reused with the request's values bound
(kastoma/products/filters.py). Cursors are opaque base64 JSON of the ordering and the last
row's sort key, so deep pages stay cheap and stable under inserts.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, cast, exists, func, or_, select, tuple_
from sqlalchemy.orm import selectinload

from kastoma.errors import ValidationFailed
from kastoma.fields import MAX_PRICE
from kastoma.products.cache import cached
from kastoma.products.cards import card_select, cards
from kastoma.products.filters import Filters, condition, product_filters, search_shape
from kastoma.products.models import Product, ProductVariant
from kastoma.products.orderings import ORDERINGS, RELEVANCE
from kastoma.products.search import SearchMatch, search_sql
from kastoma.reads import read_all

PAGING_ARGS = {"cursor", "ordering"}  # left out of the count key (page and page_size are not in the query)


@dataclass
class Listing:
    items: list[dict[str, Any]]  # product cards
    count: int  # of the whole listing
    next_cursor: str | None  # of the page after this one, or None on the last page


# --- Ordering and cursors -----------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    name: str
    expression: Any
    bind_type: Any = None  # only for the rank, whose float must be compared at its own precision


def sort_keys(ordering: str, search: SearchMatch | None) -> tuple[list[SortKey], bool]:
    descending = ordering.startswith("-")
    name = ordering.lstrip("-")
    if name == RELEVANCE:
        if search is None:
            raise ValidationFailed(errors={"ordering": ["Ordering by relevance needs a search term."]})
        keys = [SortKey(RELEVANCE, search.rank, search.rank_type)]
    else:
        keys = [SortKey(attr, getattr(Product, attr)) for attr in ORDERINGS[name]]
    return [*keys, SortKey("id", Product.id)], descending


def _to_json(value: Any) -> Any:
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def encode_cursor(ordering: str, values: list[Any]) -> str:
    raw = json.dumps({"o": ordering, "k": [_to_json(v) for v in values]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _from_json(key: SortKey, value: Any) -> Any:
    """A cursor's sort value, checked as strictly as any input: cursors come from clients."""
    if key.name in ("review_count", "order_count"):
        if type(value) is not int or not 0 <= value < 2**31:
            raise TypeError
        return value
    if key.name == RELEVANCE:
        if type(value) not in (int, float) or not math.isfinite(value):
            raise TypeError
        return float(value)
    if not isinstance(value, str) or not value.isprintable() or len(value) > 300:
        raise TypeError
    if key.name == "id":
        return uuid.UUID(value)
    if key.name == "created_at":
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise TypeError
        return parsed
    if key.name in ("price_min", "rating_average"):
        number = Decimal(value)
        if not number.is_finite() or abs(number) > MAX_PRICE:
            raise TypeError
        return number
    return value


def decode_cursor(cursor: str, ordering: str, keys: list[SortKey]) -> list[Any]:
    invalid = ValidationFailed("Invalid cursor.", errors={"cursor": ["This cursor is invalid or expired."]})
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if data["o"] != ordering or len(data["k"]) != len(keys):
            raise invalid
        return [_from_json(key, value) for key, value in zip(keys, data["k"], strict=True)]
    except (ValueError, TypeError, KeyError, InvalidOperation, binascii.Error, UnicodeDecodeError) as exc:
        raise invalid from exc


def _after(keys: list[SortKey], descending: bool) -> Any:
    """Rows past the cursor's sort key, bound as `after_0`, `after_1`..."""
    bound = [
        cast(bindparam(f"after_{i}"), k.bind_type)
        if k.bind_type is not None
        else bindparam(f"after_{i}", type_=k.expression.type)
        for i, k in enumerate(keys)
    ]
    left, right = tuple_(*(k.expression for k in keys)), tuple_(*bound)
    return left < right if descending else left > right


# --- The statements -----------------------------------------------------------------------------
# One per shape (the filters', the ordering, page or cursor), built on first use; the bounds keep
# the memory in check whatever shapes clients send (attribute keys are part of a shape).


@lru_cache(maxsize=256)
def _count_statement(shape: tuple) -> Select:
    return select(func.count(Product.id)).where(*(condition(s) for s in shape))


@lru_cache(maxsize=512)
def _page_statement(shape: tuple, ordering: str, keyset: bool) -> tuple[Select, list[SortKey]]:
    """The page's SELECT (bound: the filters' values, `limit`, and `offset` or the cursor's sort
    key) and its sort keys."""
    searched = search_shape(shape)
    search = search_sql(searched) if searched else None
    keys, descending = sort_keys(ordering, search)
    stmt = card_select(*([search.rank.label("rank")] if search is not None else []))
    stmt = stmt.where(*(condition(s) for s in shape))
    stmt = stmt.order_by(*(k.expression.desc() if descending else k.expression.asc() for k in keys))
    if keyset:
        return stmt.where(_after(keys, descending)).limit(bindparam("limit")), keys
    return stmt.limit(bindparam("limit")).offset(bindparam("offset")), keys


# --- The listing --------------------------------------------------------------------------------


def _count(scope: str, query: dict[str, Any], filters: Filters) -> int:
    key = {k: v for k, v in query.items() if k not in PAGING_ARGS}
    statement = _count_statement(tuple(filters.shape))
    return cached("count", [scope, key], lambda: read_all(statement, filters.params)[0][0] or 0)


def list_products(
    query: dict[str, Any],
    *,
    page: int,
    page_size: int,
    scope: str,
    base: Filters | None = None,
    default_ordering: str = "-created_at",
    include_inactive: bool = False,
) -> Listing:
    """Page `page` of products matching `query` (the ProductQuerySchema's output), or the page
    after `query["cursor"]`.

    `base` filters apply on top; `scope` names the listing (e.g. the category of
    `categories/<id>/products/`) in the count key.
    """
    filters = product_filters(query, include_inactive)
    if base is not None:
        filters.extend(base)
    ordering = query.get("ordering") or (f"-{RELEVANCE}" if filters.search else default_ordering)
    cursor = query.get("cursor")
    stmt, keys = _page_statement(tuple(filters.shape), ordering, bool(cursor))  # checks the ordering
    count = _count(scope, {**query, "include_inactive": include_inactive}, filters)
    if cursor:
        after = {f"after_{i}": v for i, v in enumerate(decode_cursor(cursor, ordering, keys))}
        rows = read_all(stmt, {**filters.params, **after, "limit": page_size + 1})
        has_more = len(rows) > page_size
    else:
        offset = (page - 1) * page_size
        # Past the end: no query (and no OFFSET too large for the database).
        rows = read_all(stmt, {**filters.params, "limit": page_size, "offset": offset}) if offset < count else []
        has_more = page * page_size < count
    rows = rows[:page_size]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(ordering, [getattr(last, "rank" if k.name == RELEVANCE else k.name) for k in keys])
    return Listing(cards(rows), count, next_cursor)


def list_page(query: dict[str, Any], pagination: Any, **options: Any) -> list[dict[str, Any]]:
    """The page a request asks for: `list_products` with smorest's pagination parameters, which
    take the listing's count and next cursor to the envelope (kastoma/api.py)."""
    listing = list_products(query, page=pagination.page, page_size=pagination.page_size, **options)
    pagination.item_count = listing.count
    pagination.next_cursor = listing.next_cursor
    pagination.by_cursor = bool(query.get("cursor"))
    return listing.items


def low_stock_condition() -> Any:
    """A product at or below its own threshold (any active variant, for products with variants)."""
    variant_low = exists().where(
        ProductVariant.product_id == Product.id,
        ProductVariant.is_active.is_(True),
        ProductVariant.stock <= Product.low_stock_threshold,
    )
    return or_(and_(Product.variant_count == 0, Product.stock <= Product.low_stock_threshold), variant_low)


def low_stock() -> Select:
    """Active products at or below their own threshold, lowest first."""
    return (
        select(Product)
        .where(Product.is_active.is_(True), low_stock_condition())
        .options(selectinload(Product.primary_image), selectinload(Product.variants))
        .order_by(Product.stock_total, Product.name, Product.id)
    )
