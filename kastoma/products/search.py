"""Product search: one entry point, PostgreSQL full-text search or a LIKE fallback on SQLite.

PostgreSQL matches the trigger-maintained `products.search_vector` (GIN index) against
`websearch_to_tsquery` (quotes, `-exclusions`, `or`), with the last word also matched as a prefix
so results follow as-you-type input, and ranks with `ts_rank` (the name weighs more than the
description, close words more than distant ones). SQLite requires every word to appear in the
name, SKU or description and ranks name matches first.

A search is a filter like the others (kastoma/products/filters.py): `search_filter` gives its
shape and its bound values, `search_sql` the SQL of a shape, built once per shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, case, false, func, literal, or_
from sqlalchemy.dialects.postgresql import REAL, TSQUERY
from sqlalchemy.sql.elements import ColumnElement

from kastoma.extensions import db
from kastoma.products.models import Product

MAX_TERMS = 10
# The last token is matched as a prefix only when it is a plain word: no quotes, operators or
# punctuation reach to_tsquery's own syntax.
PLAIN_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchMatch:
    condition: ColumnElement[bool]
    rank: ColumnElement  # higher is more relevant
    rank_type: object  # how a rank value from a cursor is bound back for comparison


def search_filter(text: str) -> tuple[tuple, dict[str, Any]]:
    """The shape of a search for the user's `text` (see `search_sql`) and its bound values."""
    text = " ".join(text.split())
    if db.engine.dialect.name == "postgresql":
        return _fulltext_filter(text)
    return _like_filter(text)


@lru_cache(maxsize=256)
def search_sql(shape: tuple) -> SearchMatch:
    """A WHERE condition and a relevance expression for a search of this shape (built once: a
    page statement takes both, its count the condition)."""
    kind, form = shape[1], shape[2]
    return _fulltext(form) if kind == "fulltext" else _like(form)


# --- PostgreSQL ---------------------------------------------------------------------------------


def _split_prefix(text: str) -> tuple[str, str | None]:
    """(the head, the last word to match as a prefix) — no prefix for phrases or operators."""
    if '"' in text or "or" in text.lower().split():
        return text, None  # phrases and alternatives keep websearch's own meaning
    head, _, last = text.rpartition(" ")
    if PLAIN_WORD.fullmatch(last):
        return head, last
    return text, None


def _fulltext_filter(text: str) -> tuple[tuple, dict[str, Any]]:
    head, last = _split_prefix(text)
    if last is None:
        return ("search", "fulltext", "websearch"), {"search_text": text}
    params = {"search_prefix": f"{last}:*", "search_last": last}
    if not head:
        return ("search", "fulltext", "prefix"), params
    return ("search", "fulltext", "head+prefix"), {**params, "search_head": head}


def _websearch(name: str) -> ColumnElement:
    return func.websearch_to_tsquery("english", bindparam(name), type_=TSQUERY)


def _fulltext(form: str) -> SearchMatch:
    vector = Product.search_vector
    if form == "websearch":
        query = _websearch("search_text")
        return SearchMatch(vector.op("@@")(query), func.ts_rank(vector, query, type_=REAL), REAL)
    # The last word: a prefix of the verbatim name tokens, or the stemmed word (the description).
    prefix = func.to_tsquery("simple", bindparam("search_prefix"), type_=TSQUERY)
    stem = _websearch("search_last")
    branches = [prefix, stem]
    if form == "head+prefix":
        head = _websearch("search_head")
        branches = [head.op("&&", return_type=TSQUERY)(branch) for branch in branches]
    query = branches[0].op("||", return_type=TSQUERY)(branches[1])
    # Each branch is ranked on its own: ts_rank takes a prefix and the same word unprefixed for
    # one item (and would rank `basket` zero for `bask`), and ranks an AND by how close its
    # words are only when they are all there. ts_rank_cd ranks `head & (prefix | stem)` as it
    # is, but cost eight times as much per match (docs/PERFORMANCE.md).
    rank = func.ts_rank(vector, branches[0], type_=REAL) + func.ts_rank(vector, branches[1], type_=REAL)
    return SearchMatch(vector.op("@@")(query), rank, REAL)


# --- SQLite -------------------------------------------------------------------------------------


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_filter(text: str) -> tuple[tuple, dict[str, Any]]:
    negations: list[bool] = []
    params: dict[str, Any] = {}
    for raw in text.split()[:MAX_TERMS]:
        negate = raw.startswith("-") and len(raw) > 1
        term = raw.lstrip("-").strip('"') if negate else raw.strip('"')
        if not term or term.lower() == "or":
            continue
        params[f"search_{len(negations)}"] = f"%{escape_like(term)}%"
        negations.append(negate)
    return ("search", "like", tuple(negations)), params


def _like(negations: tuple[bool, ...]) -> SearchMatch:
    conditions = []
    name_hits = []
    for i, negate in enumerate(negations):
        pattern = bindparam(f"search_{i}")
        in_name = Product.name.ilike(pattern, escape="\\")
        found = or_(in_name, Product.sku.ilike(pattern, escape="\\"), Product.description.ilike(pattern, escape="\\"))
        conditions.append(~found if negate else found)
        if not negate:
            name_hits.append(case((in_name, 1), else_=0))
    condition = and_(*conditions) if conditions else false()
    rank = sum(name_hits[1:], name_hits[0]) if name_hits else literal(0)
    return SearchMatch(condition=condition, rank=rank, rank_type=None)
