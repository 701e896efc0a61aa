"""The data set: a PostgreSQL database of the bench's own, `flask seed --products N` (timed), and
what the seed does not make: customers and past orders in proportion to the catalogue, the
bench's own in-stock products for carts and checkout, and their users' carts and tokens.

`flask seed` already makes the catalogue with ~1.7 approved reviews per product (from its six
demo reviewers), so reviews are in proportion; customers and orders are added here with bulk
inserts (one Argon2id hash for every bench customer: they share a password).
"""

from __future__ import annotations

import random
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import psycopg2
from sqlalchemy import delete, func, insert, select, text, update

from kastoma.demo.data import ADJECTIVES, BRANDS, KINDS
from kastoma.demo.products import DEMO_SKU_PREFIX
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.orders.checkout import generate_order_number
from kastoma.orders.enums import OrderStatus, PaymentStatus
from kastoma.orders.models import Cart, CartItem, Order, OrderItem, OrderStatusHistory
from kastoma.orders.totals import ShippingMethod
from kastoma.products.cache import mark_catalogue_changed
from kastoma.products.categories import create_category
from kastoma.products.models import Category, Product
from kastoma.products.services import create_product
from kastoma.users.models import User, UserProfile
from kastoma.users.passwords import hash_password
from kastoma.users.services import DEFAULT_WISHLIST_NAME
from kastoma.users.tokens import issue_token_pair
from kastoma.wishlists.models import Wishlist

ROOT = Path(__file__).resolve().parents[1]
DATABASE_PREFIX = "kastoma_bench"  # the only databases this suite creates or drops

CUSTOMERS_PER_PRODUCT = 0.1  # 100k products: 10k customers...
ORDERS_PER_CUSTOMER = 2  # ...and 20k past orders of 1 to 4 lines
CUSTOMER_EMAIL = "customer-{:06d}@bench.kastoma.local"
BENCH_PASSWORD = "Bench-Password-2026!"  # noqa: S105 - the bench customers' shared password

BENCH_CATEGORY = "Bench"
BENCH_SKU = "BENCH-ITEM-{:02d}"
BENCH_PRODUCTS = 10  # no variants, plenty of stock: what carts hold and checkout sells
BENCH_STOCK = 1_000_000
ADDRESS = {
    "first_name": "Bench",
    "last_name": "Mark",
    "company": "",
    "line1": "1 Load St",
    "line2": "",
    "city": "Testville",
    "state": "",
    "postal_code": "00000",
    "country": "US",
    "phone": "",
}


# --- The database -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    server: str  # postgresql://user@host:port
    name: str

    def __post_init__(self) -> None:
        if not self.name.startswith(DATABASE_PREFIX):
            raise SystemExit(f"The bench only uses databases named {DATABASE_PREFIX}*, not {self.name!r}.")

    @property
    def url(self) -> str:
        return f"{self.server}/{self.name}"

    def _admin(self, *statements: str) -> list:
        conn = psycopg2.connect(f"{self.server}/postgres")
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                results = []
                for statement in statements:
                    cursor.execute(statement)
                    results.append(cursor.fetchall() if cursor.description else None)
                return results
        finally:
            conn.close()

    def exists(self) -> bool:
        [rows] = self._admin(f"SELECT 1 FROM pg_database WHERE datname = '{self.name}'")  # noqa: S608
        return bool(rows)

    def create(self, *, drop_first: bool = False) -> None:
        statements = [f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'] if drop_first else []
        self._admin(*statements, f'CREATE DATABASE "{self.name}"')

    def tune_for_ssd(self) -> None:
        """The setting docs/PERFORMANCE.md recommends for production, on this database only."""
        self._admin(f'ALTER DATABASE "{self.name}" SET random_page_cost = 1.1')


def flask(env: Mapping[str, str], *args: str) -> float:
    """Run `flask --app wsgi <args>` with the server's environment; its duration in seconds."""
    started = time.perf_counter()
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", *args]
    subprocess.run(flask, cwd=ROOT, env=env, check=True)  # noqa: S603 - our own venv, fixed arguments
    return time.perf_counter() - started


def demo_products() -> int:
    return db.session.scalar(select(func.count(Product.id)).where(Product.sku.startswith(DEMO_SKU_PREFIX))) or 0


# --- Customers and past orders ------------------------------------------------------------------


def customer_count(products: int) -> int:
    return max(int(products * CUSTOMERS_PER_PRODUCT), 500)


def add_customers(count: int) -> int:
    """Bench customers customer-000001... up to `count`; returns how many were added."""
    existing = db.session.scalar(select(func.count(User.id)).where(User.email.like("customer-%@bench.kastoma.local")))
    if existing >= count:
        return 0
    password_hash = hash_password(BENCH_PASSWORD)
    users, profiles, wishlists = [], [], []
    for n in range(existing + 1, count + 1):
        user = {"id": uuid.uuid4(), "username": f"bench-customer-{n:06d}", "email": CUSTOMER_EMAIL.format(n)}
        users.append({**user, "password_hash": password_hash, "first_name": "Bench", "last_name": f"Customer {n}"})
        profiles.append({"id": uuid.uuid4(), "user_id": user["id"]})
        wishlists.append({"id": uuid.uuid4(), "user_id": user["id"], "name": DEFAULT_WISHLIST_NAME, "is_default": True})
    for model, rows in ((User, users), (UserProfile, profiles), (Wishlist, wishlists)):
        db.session.execute(insert(model.__table__), rows)
    db.session.commit()
    return len(users)


def add_past_orders(customers: int) -> int:
    """Delivered orders (1-4 lines of demo products without variants) spread over the last year,
    ORDERS_PER_CUSTOMER per bench customer; `products.order_count` follows."""
    wanted = customers * ORDERS_PER_CUSTOMER
    existing = db.session.scalar(select(func.count(Order.id)).where(Order.email.like("%@bench.kastoma.local")))
    if existing >= wanted:
        return 0
    rng = random.Random(f"kastoma-bench-orders-{existing}")
    buyers = db.session.execute(
        select(User.id, User.email).where(User.email.like("customer-%@bench.kastoma.local")).order_by(User.email)
    ).all()
    catalogue = db.session.execute(
        select(Product.id, Product.name, Product.sku, Product.price)
        .where(Product.sku.startswith(DEMO_SKU_PREFIX), Product.variant_count == 0)
        .order_by(Product.sku)
        .limit(20_000)
    ).all()
    now = utcnow()
    orders, items, history, numbers = [], [], [], set()
    for n in range(existing, wanted):
        buyer = buyers[n % len(buyers)]
        placed = now - timedelta(seconds=rng.randint(86_400, 365 * 86_400))
        number = generate_order_number(placed)
        while number in numbers:
            number = generate_order_number(placed)
        numbers.add(number)
        order_id = uuid.uuid4()
        subtotal = Decimal("0.00")
        for position, product in enumerate(rng.sample(catalogue, rng.randint(1, 4))):
            quantity = rng.choice((1, 1, 1, 2, 3))
            line_total = product.price * quantity
            subtotal += line_total
            items.append(
                {
                    "id": uuid.uuid4(),
                    "order_id": order_id,
                    "position": position,
                    "product_id": product.id,
                    "product_name": product.name,
                    "sku": product.sku,
                    "unit_price": product.price,
                    "quantity": quantity,
                    "line_total": line_total,
                    "attributes": {},
                }
            )
        shipping = Decimal("5.99")
        orders.append(
            {
                "id": order_id,
                "order_number": number,
                "user_id": buyer.id,
                "email": buyer.email,
                "status": OrderStatus.DELIVERED,
                "payment_status": PaymentStatus.PAID,
                "payment_method": "credit_card",
                "shipping_method": ShippingMethod.STANDARD,
                "currency": "USD",
                "subtotal": subtotal,
                "discount_amount": Decimal("0.00"),
                "shipping_cost": shipping,
                "tax_amount": Decimal("0.00"),
                "total": subtotal + shipping,
                "shipping_address": ADDRESS,
                "billing_address": ADDRESS,
                "paid_at": placed,
                "delivered_at": placed + timedelta(days=3),
                "created_at": placed,
                "updated_at": placed,
            }
        )
        status = {"to_status": OrderStatus.DELIVERED, "created_at": placed}
        history.append({"id": uuid.uuid4(), "order_id": order_id, **status})
    for model, rows in ((Order, orders), (OrderItem, items), (OrderStatusHistory, history)):
        db.session.execute(insert(model.__table__), rows)
    counts = select(OrderItem.product_id, func.count(OrderItem.id).label("n")).group_by(OrderItem.product_id).subquery()
    db.session.execute(
        update(Product).where(Product.id == counts.c.product_id).values(order_count=counts.c.n),
        execution_options={"synchronize_session": False},
    )
    mark_catalogue_changed(db.session)
    db.session.commit()
    db.session.execute(text("ANALYZE users, user_profiles, wishlists, orders, order_items, order_status_history"))
    db.session.commit()
    return len(orders)


# --- The bench's own products, carts and tokens --------------------------------------------------


def bench_products() -> list[uuid.UUID]:
    """The ids of BENCH_PRODUCTS in-stock products without variants (created once)."""
    skus = [BENCH_SKU.format(n) for n in range(1, BENCH_PRODUCTS + 1)]
    found = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(skus)))}
    if len(found) < len(skus):
        category = db.session.scalar(select(Category).where(Category.name == BENCH_CATEGORY))
        category = category or create_category({"name": BENCH_CATEGORY, "parent_id": None})
        for sku in skus:
            if sku not in found:
                data = {"name": f"Bench item {sku[-2:]}", "sku": sku, "price": Decimal("9.99")}
                found[sku] = create_product({**data, "category_id": category.id, "stock": BENCH_STOCK}, None)
        db.session.commit()
    return [found[sku].id for sku in skus]


def sellout_product(stock: int) -> uuid.UUID:
    """A fresh product with only `stock` units, for the oversell check."""
    category = db.session.scalar(select(Category).where(Category.name == BENCH_CATEGORY))
    sku = f"BENCH-SELLOUT-{time.time_ns()}"
    data = {"name": f"Sell-out {sku[-8:]}", "sku": sku, "price": Decimal("9.99"), "category_id": category.id}
    product = create_product({**data, "stock": stock}, None)
    db.session.commit()
    return product.id


class Customer(NamedTuple):
    id: uuid.UUID
    email: str


def customers(first: int, count: int) -> list[Customer]:
    """Bench customers number first..first+count-1, in that order."""
    emails = [CUSTOMER_EMAIL.format(n) for n in range(first, first + count)]
    found = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
    return [Customer(found[e], e) for e in emails]


def access_tokens(people: list[Customer]) -> list[str]:
    """A fresh access token per customer (issued like a login: valid for the server's lifetime)."""
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([p.id for p in people])))}
    tokens = [issue_token_pair(users[p.id])["access"] for p in people]
    db.session.commit()
    return tokens


def reset_carts(people: list[Customer], products: list[uuid.UUID]) -> None:
    """Each customer's cart, holding exactly one unit of each of `products` (empty for [])."""
    ids = [p.id for p in people]
    have = set(db.session.scalars(select(Cart.user_id).where(Cart.user_id.in_(ids))))
    missing = [{"id": uuid.uuid4(), "user_id": i} for i in ids if i not in have]
    if missing:
        db.session.execute(insert(Cart.__table__), missing)
    carts = list(db.session.scalars(select(Cart.id).where(Cart.user_id.in_(ids))))
    db.session.execute(delete(CartItem).where(CartItem.cart_id.in_(carts)))
    db.session.execute(update(Cart).where(Cart.id.in_(carts)).values(coupon_id=None))
    lines = [{"id": uuid.uuid4(), "cart_id": c, "product_id": p, "quantity": 1} for c in carts for p in products]
    if lines:
        db.session.execute(insert(CartItem.__table__), lines)
    db.session.commit()


# --- What the read scenarios ask for ------------------------------------------------------------


def detail_paths(count: int) -> list[str]:
    """Product pages of `count` demo products spread over the catalogue."""
    slugs = db.session.scalars(
        select(Product.slug).where(Product.sku.startswith(DEMO_SKU_PREFIX)).order_by(Product.sku)
    ).all()
    step = max(len(slugs) // count, 1)
    return [f"/api/v1/products/{slug}/" for slug in slugs[::step][:count]]


def search_terms(count: int) -> list[str]:
    """What shoppers type: a product kind, a brand and a kind, an adjective and a kind."""
    rng = random.Random("kastoma-bench-search")
    nouns = sorted(noun for kind in KINDS.values() for noun in kind.nouns)
    forms = (
        lambda noun: noun,
        lambda noun: f"{rng.choice(BRANDS)} {noun}",
        lambda noun: f"{rng.choice(ADJECTIVES)} {noun}",
    )
    return [forms[i % len(forms)](rng.choice(nouns)).lower() for i in range(count)]
