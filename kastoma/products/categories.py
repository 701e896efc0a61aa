"""Categories: the cached tree index, lookups by id or slug, product counts, and writes that can
never make a category its own ancestor.

The whole tree (a few hundred rows at most) is cached per catalogue version and walked in
Python, so subtree filters, breadcrumbs and per-category product counts cost no query per row.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from kastoma.errors import NotFound, ValidationFailed
from kastoma.extensions import db
from kastoma.products.cache import cached
from kastoma.products.models import Category, Product
from kastoma.products.search import escape_like
from kastoma.products.slugs import check_slug, parse_ref, slugify, unique_slug
from kastoma.versioned import request_memo


@dataclass(frozen=True)
class Node:
    id: str
    parent_id: str | None
    name: str
    slug: str
    sort_order: int
    image_url: str
    is_active: bool


class CategoryIndex:
    """The category tree in memory: lookups, subtrees, ancestors."""

    def __init__(self, nodes: list[Node]) -> None:
        self.by_id = {n.id: n for n in nodes}
        self.by_slug = {n.slug: n for n in nodes}
        self.children: dict[str | None, list[Node]] = defaultdict(list)
        for node in sorted(nodes, key=lambda n: (n.sort_order, n.name.lower(), n.id)):
            self.children[node.parent_id].append(node)
        self._subtree_uuids: dict[str, list[uuid.UUID]] = {}

    def find(self, ref: str | uuid.UUID, include_inactive: bool = False) -> Node | None:
        parsed = parse_ref(ref) if isinstance(ref, str) else ref
        node = self.by_id.get(str(parsed)) if isinstance(parsed, uuid.UUID) else self.by_slug.get(parsed or "")
        if node is None or not (node.is_active or include_inactive):
            return None
        return node

    def subtree_ids(self, node_id: str) -> list[str]:
        found, stack = [], [node_id]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(child.id for child in self.children.get(current, ()))
        return found

    def subtree_uuids(self, node_id: str) -> list[uuid.UUID]:
        """`subtree_ids` as UUIDs, kept: every filtered listing asks (the index is rebuilt when
        the categories change)."""
        if node_id not in self._subtree_uuids:
            self._subtree_uuids[node_id] = [uuid.UUID(i) for i in self.subtree_ids(node_id)]
        return self._subtree_uuids[node_id]

    def ancestors(self, node_id: str) -> list[Node]:
        """Root first, the node itself last."""
        chain, seen = [], set()
        node = self.by_id.get(node_id)
        while node is not None and node.id not in seen:
            seen.add(node.id)
            chain.append(node)
            node = self.by_id.get(node.parent_id) if node.parent_id else None
        return chain[::-1]


def _load_nodes() -> list[Node]:
    rows = db.session.execute(
        select(
            Category.id,
            Category.parent_id,
            Category.name,
            Category.slug,
            Category.sort_order,
            Category.image_url,
            Category.is_active,
        )
    )
    return [Node(str(r[0]), str(r[1]) if r[1] else None, *r[2:]) for r in rows]


# The index built from the node list `cached` last returned: that list is the same object for as
# long as the version stays (the cache keeps it per process), so the index is built once per
# version per process rather than once per request.
_built: tuple[list[Node], CategoryIndex] | None = None


def category_index() -> CategoryIndex:
    global _built
    memo = request_memo()
    if "category_index" not in memo:
        nodes = cached("category-index", None, _load_nodes)
        built = _built  # read once: another thread may replace it meanwhile
        if built is None or built[0] is not nodes:
            built = _built = (nodes, CategoryIndex(nodes))
        memo["category_index"] = built[1]
    return memo["category_index"]


def _load_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(Product.category_id, func.count()).where(Product.is_active.is_(True)).group_by(Product.category_id)
    )
    return {str(category_id): count for category_id, count in rows}


def product_count(category_id: uuid.UUID | str) -> int:
    """Active products in this category and all its descendants (counts cached per version)."""
    memo = request_memo()
    if "category_counts" not in memo:
        memo["category_counts"] = cached("category-counts", None, _load_counts)
    counts = memo["category_counts"]
    return sum(counts.get(i, 0) for i in category_index().subtree_ids(str(category_id)))


def _filter_node(ref: str, field: str, include_inactive: bool) -> Node:
    node = category_index().find(ref, include_inactive)
    if node is None:
        raise ValidationFailed(errors={field: ["No such category."]})
    return node


def filter_category_id(ref: str, field: str, include_inactive: bool) -> uuid.UUID:
    """The id of a category named (by id or slug) in a filter; an unknown one is a 400."""
    return uuid.UUID(_filter_node(ref, field, include_inactive).id)


def subtree_filter_ids(ref: str, field: str, include_inactive: bool) -> list[uuid.UUID]:
    """Ids of a category named in a filter and of all its descendants."""
    return category_index().subtree_uuids(_filter_node(ref, field, include_inactive).id)


def breadcrumbs(category: Category) -> list[Node]:
    return category_index().ancestors(str(category.id))


def tree(include_inactive: bool = False) -> list[dict[str, Any]]:
    index = category_index()

    def build(parent_id: str | None) -> list[dict[str, Any]]:
        return [
            {
                "id": node.id,
                "name": node.name,
                "slug": node.slug,
                "image_url": node.image_url or None,  # as in CategorySchema
                "sort_order": node.sort_order,
                "is_active": node.is_active,
                "product_count": product_count(node.id),
                "children": build(node.id),
            }
            for node in index.children.get(parent_id, ())
            if node.is_active or include_inactive
        ]

    return build(None)


# --- Queries on the table -----------------------------------------------------------------------

CATEGORY_ORDERINGS = {"name": Category.name, "sort_order": Category.sort_order, "created_at": Category.created_at}


def get_category(ref: str, include_inactive: bool = False) -> Category:
    parsed = parse_ref(ref)
    category = None
    if isinstance(parsed, uuid.UUID):
        category = db.session.get(Category, parsed)
    elif parsed:
        category = db.session.scalar(select(Category).where(Category.slug == parsed))
    if category is None or not (category.is_active or include_inactive):
        raise NotFound("Category not found.")
    return category


def list_categories(query: dict[str, Any]) -> Select:
    include_inactive = query.get("include_inactive", False)
    stmt = select(Category)
    if not include_inactive:
        stmt = stmt.where(Category.is_active.is_(True))
    if "parent" in query:
        stmt = stmt.where(Category.parent_id == filter_category_id(str(query["parent"]), "parent", include_inactive))
    if "parent_slug" in query:
        stmt = stmt.where(
            Category.parent_id == filter_category_id(query["parent_slug"], "parent_slug", include_inactive)
        )
    if query.get("is_root") is not None:
        stmt = stmt.where(Category.parent_id.is_(None) if query["is_root"] else Category.parent_id.is_not(None))
    if query.get("search"):
        stmt = stmt.where(Category.name.ilike(f"%{escape_like(query['search'])}%", escape="\\"))
    return stmt.order_by(*_ordering(query.get("ordering", "sort_order")))


def _ordering(ordering: str) -> list:
    column = CATEGORY_ORDERINGS[ordering.lstrip("-")]
    primary = column.desc() if ordering.startswith("-") else column.asc()
    return [primary, Category.name, Category.id]


def children_of(category: Category | None, include_inactive: bool = False) -> Select:
    stmt = select(Category).where(
        Category.parent_id == category.id if category is not None else Category.parent_id.is_(None)
    )
    if not include_inactive:
        stmt = stmt.where(Category.is_active.is_(True))
    return stmt.order_by(*_ordering("sort_order"))


# --- Writes -------------------------------------------------------------------------------------


def _check_parent(category: Category | None, parent_id: uuid.UUID | None) -> None:
    if parent_id is None:
        return
    # Fresh from the database, not the cached index: a write must see the latest tree.
    parents = {row.id: row.parent_id for row in db.session.execute(select(Category.id, Category.parent_id))}
    if parent_id not in parents:
        raise ValidationFailed(errors={"parent_id": ["No such category."]})
    if category is None:
        return
    node: uuid.UUID | None = parent_id
    while node is not None:
        if node == category.id:
            raise ValidationFailed(
                "A category cannot be moved below itself.",
                errors={"parent_id": ["A category cannot be its own ancestor."]},
            )
        node = parents.get(node)


def _apply(category: Category, data: dict[str, Any]) -> None:
    if "slug" in data and data["slug"] != category.slug:
        check_slug(data["slug"])
        if unique_slug(Category, data["slug"], "category", exclude_id=category.id) != data["slug"]:
            raise ValidationFailed(errors={"slug": ["A category with this slug already exists."]})
    if "parent_id" in data:
        _check_parent(category, data["parent_id"])
    for field, value in data.items():
        setattr(category, field, value)


def create_category(data: dict[str, Any]) -> Category:
    data = dict(data)
    slug = data.pop("slug", None)
    _check_parent(None, data.get("parent_id"))
    if slug:
        check_slug(slug)
        if unique_slug(Category, slug, "category") != slug:
            raise ValidationFailed(errors={"slug": ["A category with this slug already exists."]})
    else:
        slug = unique_slug(Category, slugify(data["name"]), "category")
    category = Category(slug=slug, **data)
    db.session.add(category)
    db.session.flush()
    return category


def update_category(category: Category, data: dict[str, Any]) -> Category:
    _apply(category, data)
    db.session.flush()
    return category


def deactivate_category(category: Category) -> None:
    """Soft delete: hidden from the public with everything below it in the tree; products stay."""
    category.is_active = False
