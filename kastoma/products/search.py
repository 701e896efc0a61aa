"""Product search: one entry point, PostgreSQL full-text search or a LIKE fallback on SQLite.

PostgreSQL matches the trigger-maintained `products.search_vector` (GIN index) against
`websearch_to_tsquery` (quotes, `-exclusions`, `or`), with the last word also matched as a prefix
so results follow as-you-type input, and ranks with `ts_rank_cd`. SQLite requires every word to
appear in the name, SKU or description and ranks name matches first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, case, false, func, literal, or_
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


def match_products(text: str) -> SearchMatch:
    """A WHERE condition and a relevance expression for a user's search text."""
    text = " ".join(text.split())
    if db.engine.dialect.name == "postgresql":
        return _fulltext(text)
    return _like(text)


def _split_prefix(text: str) -> tuple[str, str | None]:
    """(the head, the last word to match as a prefix) — no prefix for phrases or operators."""
    if '"' in text or "or" in text.lower().split():
        return text, None  # phrases and alternatives keep websearch's own meaning
    head, _, last = text.rpartition(" ")
    if PLAIN_WORD.fullmatch(last):
        return head, last
    return text, None


def _fulltext(text: str) -> SearchMatch:
    head, last = _split_prefix(text)
    if last is None:
        query = func.websearch_to_tsquery("english", text, type_=TSQUERY)
    else:
        # A prefix of the verbatim name tokens, or the stemmed word itself (for the description).
        prefix = func.to_tsquery("simple", literal(f"{last}:*"), type_=TSQUERY)
        tail = prefix.op("||", return_type=TSQUERY)(func.websearch_to_tsquery("english", last, type_=TSQUERY))
        query = (
            func.websearch_to_tsquery("english", head, type_=TSQUERY).op("&&", return_type=TSQUERY)(tail)
            if head
            else tail
        )
    vector = Product.search_vector
    return SearchMatch(
        condition=vector.op("@@")(query),
        # Cover density: unlike ts_rank, it still scores a match through one branch of an OR.
        rank=func.ts_rank_cd(vector, query, type_=REAL),
        rank_type=REAL,
    )


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(text: str) -> SearchMatch:
    conditions = []
    name_hits = []
    for raw in text.split()[:MAX_TERMS]:
        negate = raw.startswith("-") and len(raw) > 1
        term = raw.lstrip("-").strip('"') if negate else raw.strip('"')
        if not term or term.lower() == "or":
            continue
        pattern = f"%{escape_like(term)}%"
        in_name = Product.name.ilike(pattern, escape="\\")
        found = or_(in_name, Product.sku.ilike(pattern, escape="\\"), Product.description.ilike(pattern, escape="\\"))
        conditions.append(~found if negate else found)
        if not negate:
            name_hits.append(case((in_name, 1), else_=0))
    condition = and_(*conditions) if conditions else false()
    rank = sum(name_hits[1:], name_hits[0]) if name_hits else literal(0)
    return SearchMatch(condition=condition, rank=rank, rank_type=None)
