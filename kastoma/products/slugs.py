"""Slugs for categories and products: readable, unique, never mistaken for an id or a route."""

from __future__ import annotations

import re
import unicodedata
import uuid

from sqlalchemy import select
from werkzeug.routing import BaseConverter

from kastoma.errors import ValidationFailed
from kastoma.extensions import db

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG = re.compile(SLUG_PATTERN)
# Fixed routes that sit where a slug could (`products/search/`, `categories/tree/`, ...): never
# a slug, and never matched by an `<ref:id_or_slug>` segment (tests/api/products/test_routing.py checks
# that every such route is listed).
RESERVED = frozenset(
    {"search", "featured", "popular", "low_stock", "low-stock", "tree", "roots", "new", "stats", "suggest"}
)
# Path references longer than any slug or UUID are answered 404 without a query.
MAX_REF_LENGTH = 220


def slugify(text: str, max_length: int = 100) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def looks_like_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def check_slug(slug: str, field: str = "slug") -> None:
    if not SLUG.match(slug) or slug in RESERVED or looks_like_uuid(slug):
        raise ValidationFailed(
            errors={field: ["Use lowercase letters, digits and single hyphens; not a reserved word or an id."]}
        )


def unique_slug(model: type, wanted: str, fallback: str, exclude_id: uuid.UUID | None = None) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`, ... whichever is free."""
    base = wanted or fallback
    if base in RESERVED or looks_like_uuid(base):
        base = f"{base}-{fallback}"
    stmt = select(model.slug).where(model.slug.startswith(base, autoescape=True))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    taken = set(db.session.scalars(stmt))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def parse_ref(ref: str) -> uuid.UUID | str | None:
    """A path reference as a UUID, a slug, or None when it cannot be either."""
    if len(ref) > MAX_REF_LENGTH or not ref.isprintable():
        return None
    try:
        return uuid.UUID(ref)
    except ValueError:
        return ref.lower()


class RefConverter(BaseConverter):
    """`<ref:id_or_slug>`: a product's or category's UUID or slug. A reserved word is no match (in
    the pattern, which Werkzeug also uses to list a path's methods), so `categories/tree/` is
    only ever the tree: a PATCH there is a 405, and OPTIONS lists GET."""

    regex = r"(?!(?i:%s)(?:/|$))[^/]+" % "|".join(sorted(re.escape(word) for word in RESERVED))  # noqa: UP031


def ref_parameter(what: str) -> list[dict[str, str]]:
    """OpenAPI doc of an `<id_or_slug>` path segment."""
    return [{"in": "path", "name": "id_or_slug", "description": f"The {what}'s UUID or slug."}]
