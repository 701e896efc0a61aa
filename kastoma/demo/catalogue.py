"""`flask seed` for the catalogue: an idempotent demo catalogue, bulk-inserted in batches so that
`--products 100000` takes seconds, and `--clear` to remove the demo rows (and only those).

Demo products have SKUs `DEMO-000001`...; each one is generated from a random generator seeded
with its number, so a rerun inserts exactly the missing ones and changes nothing else.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import click
from sqlalchemy import delete, exists, select, text, update
from sqlalchemy.orm import aliased

from kastoma.demo.bulk_load import Rows
from kastoma.demo.data import CATEGORY_TREE, REVIEWERS
from kastoma.demo.products import DEMO_SKU_PREFIX, build_product, demo_sku
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.products.cache import mark_catalogue_changed
from kastoma.products.models import CATALOGUE_MODELS, Category, Product
from kastoma.products.slugs import slugify
from kastoma.roles import Role
from kastoma.users.models import User
from kastoma.users.services import create_user

DEFAULT_PRODUCTS = 120
BATCH_SIZE = 2000
CATALOGUE_TABLES = [model.__table__ for model in CATALOGUE_MODELS]


@dataclass
class SeedResult:
    categories_created: int
    products_created: int
    products_total: int
    products_removed: int


def category_slugs() -> list[str]:
    return [slugify(name) for root, children in CATEGORY_TREE.items() for name in (root, *children)]


def ensure_categories() -> tuple[int, list[tuple[uuid.UUID, str]]]:
    """Create the missing demo categories; return (created, [(leaf id, leaf name)])."""
    existing = {c.slug: c for c in db.session.scalars(select(Category).where(Category.slug.in_(category_slugs())))}
    created, leaves = 0, []
    for position, (root_name, children) in enumerate(CATEGORY_TREE.items()):
        root = existing.get(slugify(root_name))
        if root is None:
            root = Category(name=root_name, slug=slugify(root_name), sort_order=position)
            db.session.add(root)
            db.session.flush()
            created += 1
        for child_position, name in enumerate(children):
            child = existing.get(slugify(name))
            if child is None:
                child = Category(name=name, slug=slugify(name), parent_id=root.id, sort_order=child_position)
                db.session.add(child)
                db.session.flush()
                created += 1
            leaves.append((child.id, name))
    return created, leaves


def ensure_reviewers() -> list[uuid.UUID]:
    ids = []
    for username, first, last in REVIEWERS:
        email = f"{username}@kastoma.local"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(
                username,
                email,
                secrets.token_urlsafe(24),
                first_name=first,
                last_name=last,
                role=Role.CUSTOMER,
                check_policy=False,
            )
        ids.append(user.id)
    return ids


def clear_demo_catalogue() -> int:
    """Delete demo products (their variants, images, reviews and movements cascade) and the demo
    categories left empty. Demo products that orders reference are deactivated instead."""
    demo = Product.sku.startswith(DEMO_SKU_PREFIX)
    ordered = db.metadata.tables.get("order_items")
    if ordered is not None:
        in_orders = exists().where(ordered.c.product_id == Product.id)
        db.session.execute(update(Product).where(demo, in_orders).values(is_active=False))
        demo = demo & ~in_orders
    removed = db.session.execute(delete(Product).where(demo)).rowcount
    leaves = [slugify(n) for children in CATEGORY_TREE.values() for n in children]
    child = aliased(Category)
    for slugs in (leaves, [slugify(root) for root in CATEGORY_TREE]):
        db.session.execute(
            delete(Category).where(
                Category.slug.in_(slugs),
                ~exists().where(Product.category_id == Category.id),
                ~exists().where(child.parent_id == Category.id),
            )
        )
    mark_catalogue_changed(db.session)
    return removed


def seed_catalogue(count: int = DEFAULT_PRODUCTS, *, clear: bool = False) -> SeedResult:
    """Make sure demo products DEMO-000001..count exist (after removing the demo catalogue when
    `clear`), with their categories, variants, images, stock movements and approved reviews."""
    removed = clear_demo_catalogue() if clear else 0
    created_categories, leaves = ensure_categories()
    reviewers = ensure_reviewers()
    db.session.commit()
    existing = set(db.session.scalars(select(Product.sku).where(Product.sku.startswith(DEMO_SKU_PREFIX))))
    missing = [n for n in range(1, count + 1) if demo_sku(n) not in existing]
    now = utcnow()
    with click.progressbar(length=len(missing), label="Demo products", show_pos=True, hidden=not missing) as bar:
        for start in range(0, len(missing), BATCH_SIZE):
            batch = missing[start : start + BATCH_SIZE]
            rows = Rows()
            for number in batch:
                build_product(number, leaves[(number - 1) % len(leaves)], reviewers, now, rows)
            rows.insert()
            mark_catalogue_changed(db.session)
            db.session.commit()
            bar.update(len(batch))
    if missing or removed:
        vacuum_analyze(*(t.name for t in CATALOGUE_TABLES))
    total = len(existing) + len(missing)
    return SeedResult(created_categories, len(missing), total, removed)


def vacuum_analyze(*tables: str) -> None:
    """VACUUM ANALYZE `tables` (the whole database when none) after a bulk load, on PostgreSQL
    only (the development SQLite database stays small). Fresh planner statistics: without them
    the first queries on many new rows pick plans made for an empty table (a sort of every match
    instead of an index walk). The vacuum clears the load's own dead rows and sets the visibility
    map, so the first runs are not the ones to pay for it. It does not give trailing empty pages
    back (TRUNCATE false): that needs an exclusive lock, which VACUUM waits up to 5 s per table
    for behind any open transaction that wrote to the table (a running shop, or the test suite's
    own). VACUUM cannot run inside a transaction, hence a connection of its own in autocommit."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM (ANALYZE, TRUNCATE false) {', '.join(tables)}"))
