"""Staff statistics of the catalogue, accounts, profiles, orders and carts (the original API's
`*/stats/` endpoints).

Each one is a handful of aggregate statements, whatever the size of the shop (no query per row
or per group), and is cached for STATS_TTL seconds: staff dashboards poll them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, literal, select
from sqlalchemy.orm import aliased

from kastoma.caching import cache_get, cache_set
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.orders.enums import OrderStatus, PaymentStatus
from kastoma.orders.models import Cart, CartItem, Order, Payment
from kastoma.products.listing import low_stock_condition
from kastoma.products.models import Category, Product, ProductVariant
from kastoma.roles import Role
from kastoma.users.models import User, UserProfile

STATS_TTL = 60  # seconds
DAYS = 30
ZERO = Decimal("0.00")
# Revenue counts orders that were not cancelled or refunded.
NOT_SOLD = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def cached_stats(name: str, parts: Any, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    key = f"stats:{name}:{parts}"
    value = cache_get(key)
    if value is None:
        value = compute()
        cache_set(key, value, timeout=STATS_TTL)
    return value


def _count(condition: Any) -> Any:
    return func.count(case((condition, 1)))


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _day(column: Any) -> Any:
    """The UTC day of a timestamp (on PostgreSQL, not the day in the session's TimeZone)."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)  # SQLite stores naive UTC


def _days_back(today: date) -> tuple[date, datetime]:
    first = today - timedelta(days=DAYS - 1)
    return first, datetime.combine(first, time.min, UTC)


def _per_day(rows: dict[str, tuple], first: date, empty: tuple) -> list[tuple[date, tuple]]:
    return [(first + timedelta(days=n), rows.get((first + timedelta(days=n)).isoformat(), empty)) for n in range(DAYS)]


# --- Catalogue ------------------------------------------------------------------------------------


def product_stats() -> dict[str, Any]:
    active = Product.is_active.is_(True)
    own_stock_value = case((Product.variant_count == 0, Product.price * Product.stock), else_=0)
    totals = db.session.execute(
        select(
            _count(active),
            _count(~active),
            _count(and_(active, Product.is_featured.is_(True))),
            _count(and_(active, Product.stock_total == 0)),
            _count(and_(active, low_stock_condition())),
            func.coalesce(func.sum(case((active, Product.stock_total), else_=0)), 0),
            func.coalesce(func.sum(case((active, own_stock_value), else_=0)), 0),
            func.coalesce(func.sum(case((active, Product.cost_price * Product.stock_total), else_=0)), 0),
            func.avg(case((and_(active, Product.review_count > 0), Product.rating_average))),
        )
    ).one()
    variant_value = db.session.scalar(
        select(func.coalesce(func.sum(func.coalesce(ProductVariant.price, Product.price) * ProductVariant.stock), 0))
        .join(Product, Product.id == ProductVariant.product_id)
        .where(Product.is_active.is_(True), ProductVariant.is_active.is_(True))
    )
    return {
        "active": totals[0],
        "inactive": totals[1],
        "featured": totals[2],
        "out_of_stock": totals[3],
        "low_stock": totals[4],
        "stock_units": int(totals[5]),
        "stock_value_at_price": _money(Decimal(str(totals[6])) + Decimal(str(variant_value))),
        "stock_value_at_cost": _money(totals[7]),
        "average_rating": _money(totals[8]) if totals[8] is not None else None,
        "by_root_category": _products_per_root(),
    }


def _category_roots() -> Any:
    """(category id, its root's id) of every category, by one recursive statement."""
    tree = select(Category.id.label("id"), Category.id.label("root_id")).where(Category.parent_id.is_(None))
    tree = tree.cte("tree", recursive=True)
    child = aliased(Category)
    return tree.union_all(select(child.id, tree.c.root_id).join(tree, child.parent_id == tree.c.id))


def _products_per_root() -> list[dict[str, Any]]:
    roots = _category_roots()
    root = aliased(Category)
    rows = db.session.execute(
        select(root.id, root.name, root.slug, func.count(Product.id))
        .select_from(roots)
        .join(root, root.id == roots.c.root_id)
        .outerjoin(Product, and_(Product.category_id == roots.c.id, Product.is_active.is_(True)))
        .group_by(root.id, root.name, root.slug)
        .order_by(func.count(Product.id).desc(), root.name)
    ).all()
    return [{"category_id": r[0], "name": r[1], "slug": r[2], "products": r[3]} for r in rows]


def category_stats() -> dict[str, Any]:
    depth = select(Category.id.label("id"), literal(1).label("depth")).where(Category.parent_id.is_(None))
    depth = depth.cte("depth", recursive=True)
    child = aliased(Category)
    depth = depth.union_all(select(child.id, depth.c.depth + 1).join(depth, child.parent_id == depth.c.id))
    has_products = select(Product.id).where(Product.category_id == Category.id).exists()
    has_children = select(child.id).where(child.parent_id == Category.id).exists()
    totals = db.session.execute(
        select(
            func.count(Category.id),
            _count(Category.parent_id.is_(None)),
            _count(Category.is_active.is_(True)),
            _count(and_(~has_products, ~has_children)),
        )
    ).one()
    top = db.session.execute(
        select(Category.id, Category.name, Category.slug, func.count(Product.id).label("n"))
        .join(Product, and_(Product.category_id == Category.id, Product.is_active.is_(True)))
        .group_by(Category.id, Category.name, Category.slug)
        .order_by(func.count(Product.id).desc(), Category.name)
        .limit(10)
    ).all()
    return {
        "categories": totals[0],
        "roots": totals[1],
        "active": totals[2],
        "empty": totals[3],
        "max_depth": db.session.scalar(select(func.coalesce(func.max(depth.c.depth), 0))),
        "top_by_products": [{"category_id": r[0], "name": r[1], "slug": r[2], "products": r[3]} for r in top],
    }


# --- Accounts -------------------------------------------------------------------------------------


def user_stats(today: date | None = None) -> dict[str, Any]:
    today = today or utcnow().date()
    first, since = _days_back(today)
    by_role = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    active = db.session.scalar(select(_count(User.is_active.is_(True))))
    day = _day(User.created_at)
    joined = dict(db.session.execute(select(day, func.count()).where(User.created_at >= since).group_by(day)).all())
    joined = {str(key): (n,) for key, n in joined.items()}
    total = sum(by_role.values())
    return {
        "total": total,
        "active": active,
        "inactive": total - active,
        "by_role": {role.value: by_role.get(role, 0) for role in Role},
        "sign_ups_by_day": [{"date": d, "sign_ups": n} for d, (n,) in _per_day(joined, first, (0,))],
    }


def profile_stats() -> dict[str, Any]:
    complete = and_(
        *(column != "" for column in (UserProfile.phone, UserProfile.address_line1, UserProfile.city)),
        UserProfile.postal_code != "",
        UserProfile.country != "",
    )
    total, avatars, newsletter, marketing, completed = db.session.execute(
        select(
            func.count(UserProfile.id),
            _count(UserProfile.avatar != ""),
            _count(UserProfile.newsletter_subscribed.is_(True)),
            _count(UserProfile.marketing_emails.is_(True)),
            _count(complete),
        )
    ).one()

    def share(n: int) -> Decimal:
        return (Decimal(n) / total).quantize(Decimal("0.0001")) if total else Decimal("0")

    return {
        "profiles": total,
        "with_avatar": avatars,
        "newsletter_subscribed": newsletter,
        "newsletter_share": share(newsletter),
        "marketing_emails": marketing,
        "complete": completed,
        "complete_share": share(completed),
    }


# --- Orders and carts -----------------------------------------------------------------------------


def order_stats(today: date | None = None) -> dict[str, Any]:
    today = today or utcnow().date()
    first, since = _days_back(today)
    sold = Order.status.not_in(NOT_SOLD)
    by_status = {
        status: (n, _money(revenue))
        for status, n, revenue in db.session.execute(
            select(Order.status, func.count(), func.coalesce(func.sum(Order.total), 0)).group_by(Order.status)
        )
    }
    by_payment = dict(
        db.session.execute(select(Order.payment_status, func.count()).group_by(Order.payment_status)).all()
    )
    day = _day(Order.created_at)
    daily = {
        str(d): (n, _money(revenue))
        for d, n, revenue in db.session.execute(
            select(day, func.count(), func.coalesce(func.sum(case((sold, Order.total), else_=0)), 0))
            .where(Order.created_at >= since)
            .group_by(day)
        )
    }
    refunded = db.session.scalar(select(func.coalesce(func.sum(Payment.refunded_amount), 0)))
    orders = sum(n for status, (n, _) in by_status.items() if status not in NOT_SOLD)
    revenue = sum((r for status, (_, r) in by_status.items() if status not in NOT_SOLD), ZERO)
    paid = sum(by_payment.get(s, 0) for s in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED))
    return {
        "orders": sum(n for n, _ in by_status.values()),
        "revenue": revenue,
        "average_order_value": (revenue / orders).quantize(Decimal("0.01")) if orders else ZERO,
        "by_status": {
            s.value: {"orders": by_status.get(s, (0, ZERO))[0], "total": by_status.get(s, (0, ZERO))[1]}
            for s in OrderStatus
        },
        "by_payment_status": {s.value: by_payment.get(s, 0) for s in PaymentStatus},
        "paid": paid,
        "unpaid": by_payment.get(PaymentStatus.PENDING, 0) + by_payment.get(PaymentStatus.FAILED, 0),
        "refunded_amount": _money(refunded),
        "by_day": [
            {"date": d, "orders": n, "revenue": revenue} for d, (n, revenue) in _per_day(daily, first, (0, ZERO))
        ],
    }


def cart_stats(abandoned_after_hours: int, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    price = func.coalesce(ProductVariant.price, Product.price)
    lines = (
        select(
            CartItem.cart_id.label("cart_id"),
            func.sum(CartItem.quantity).label("units"),
            func.sum(price * CartItem.quantity).label("value"),
        )
        .join(Product, Product.id == CartItem.product_id)
        .outerjoin(ProductVariant, ProductVariant.id == CartItem.variant_id)
        .group_by(CartItem.cart_id)
        .subquery()
    )
    abandoned = Cart.updated_at < now - timedelta(hours=abandoned_after_hours)
    row = db.session.execute(
        select(
            func.count(Cart.id),
            _count(Cart.user_id.is_not(None)),
            _count(Cart.user_id.is_(None)),
            func.count(lines.c.cart_id),
            func.coalesce(func.sum(lines.c.units), 0),
            func.coalesce(func.sum(lines.c.value), 0),
            _count(and_(abandoned, lines.c.cart_id.is_not(None))),
            func.coalesce(func.sum(case((abandoned, lines.c.value), else_=0)), 0),
        ).outerjoin(lines, lines.c.cart_id == Cart.id)
    ).one()
    carts, users, guests, with_items, units, value, abandoned_carts, abandoned_value = row
    return {
        "carts": carts,
        "user_carts": users,
        "guest_carts": guests,
        "with_items": with_items,
        "empty": carts - with_items,
        "units": int(units),
        "value": _money(value),
        "average_items_per_cart": (Decimal(int(units)) / with_items).quantize(Decimal("0.01"))
        if with_items
        else Decimal("0.00"),
        "average_value": (_money(value) / with_items).quantize(Decimal("0.01")) if with_items else ZERO,
        "abandoned_after_hours": abandoned_after_hours,
        "abandoned": abandoned_carts,
        "abandoned_value": _money(abandoned_value),
    }
