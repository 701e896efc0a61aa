"""Carts: one per user, guest carts by X-Cart-Token, live prices, stock checks, merge on login.

The totals estimate comes from `totals.compute_totals`, the same function checkout charges with.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import and_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from kastoma.errors import CouponInvalid, InsufficientStock, NotFound, ValidationFailed
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.orders import purchasable
from kastoma.orders.coupons import check_coupon, find_coupon, normalise_code
from kastoma.orders.models import Cart, CartItem
from kastoma.orders.pricing import PricedLine, price_line, subtotal, totals
from kastoma.orders.totals import ShippingMethod, Totals
from kastoma.users.models import User

TOKEN_HEADER = "X-Cart-Token"  # noqa: S105 - a header name, not a secret


def guest_token() -> str | None:
    """The guest cart token the request presents, if any."""
    return request.headers.get(TOKEN_HEADER, "").strip()[:128] or None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cart_statements(condition) -> tuple:
    """(read, lock) statements of the cart matching `condition`, built once."""
    stmt = select(Cart).where(condition)
    # Writers of one cart take turns (two tabs adding at once): PostgreSQL locks the cart row
    # until the commit. The lines are read by a second statement, whose snapshot is taken once
    # the lock is granted, so it sees the lines the other writer committed (a join in the
    # locking statement would read them as they were before the wait).
    return stmt.options(joinedload(Cart.items)), stmt.with_for_update(of=Cart).options(selectinload(Cart.items))


_BY_USER = _cart_statements(Cart.user_id == bindparam("key"))
_BY_TOKEN = _cart_statements(Cart.token_hash == bindparam("key"))
_UNCLAIMED = _cart_statements(and_(Cart.token_hash == bindparam("key"), Cart.user_id.is_(None)))


def _load(statements: tuple, key: object, *, for_update: bool) -> Cart | None:
    read, lock = statements
    if for_update:
        return db.session.scalar(lock, {"key": key})
    return db.session.execute(read, {"key": key}).unique().scalar_one_or_none()


def find_cart(user: User | None, guest_token: str | None, *, for_update: bool = False) -> Cart | None:
    if user is not None:
        return _load(_BY_USER, user.id, for_update=for_update)
    if guest_token:
        return _load(_BY_TOKEN, hash_token(guest_token), for_update=for_update)
    return None


def get_or_create_cart(user: User | None, guest_token: str | None) -> tuple[Cart, str | None]:
    """The cart to write to (locked until the commit), and a new guest token when one was created."""
    cart, token, _ = open_cart(user, guest_token)
    return cart, token


def open_cart(user: User | None, guest_token: str | None) -> tuple[Cart, str | None, bool]:
    """The caller's cart, locked until the commit; a new guest token when one was made; and
    whether this request created the cart."""
    cart = find_cart(user, guest_token, for_update=True)
    if cart is not None:
        return cart, None, False
    if user is not None:
        # The first writes of a new user may race (ten parallel add_item): every one creates the
        # cart if it is still missing, the database keeps one, and each then locks that one.
        values = {"id": uuid.uuid4(), "user_id": user.id, "now": utcnow()}
        # On the session's connection (a Core INSERT, not the ORM's bulk path): its rowcount says who created it.
        created = db.session.connection().execute(_insert_missing_cart(), values).rowcount == 1
        return find_cart(user, None, for_update=True), None, created
    token = secrets.token_urlsafe(32)
    cart = Cart(token_hash=hash_token(token))
    db.session.add(cart)
    db.session.flush()
    return cart, token, True


def own_cart(user: User | None, guest_token: str | None, cart_id: uuid.UUID, *, for_update: bool = False) -> Cart:
    """The caller's cart if it is the one named; any other is the same 404 as a missing one."""
    cart = find_cart(user, guest_token, for_update=for_update)
    if cart is None or cart.id != cart_id:
        raise NotFound("Cart not found.")
    return cart


def set_fields(cart: Cart, user: User | None, data: dict) -> None:
    """PUT/PATCH cart/<id>/: the coupon (a code, or None to remove it) and the shipping method
    the estimate uses (None: standard)."""
    if "coupon_code" in data:
        if data["coupon_code"] is None:
            remove_coupon(cart)
        else:
            apply_coupon(cart, user, data["coupon_code"])
    if "shipping_method" in data:
        cart.shipping_method = data["shipping_method"]


def close(cart: Cart) -> None:
    """DELETE cart/<id>/: the cart goes, with its lines and coupon; the next add opens a new one."""
    db.session.delete(cart)


def _insert_missing_cart():
    """INSERT ... ON CONFLICT (user_id) DO NOTHING, in the session's dialect (PostgreSQL, SQLite)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"id": bindparam("id"), "user_id": bindparam("user_id"), "created_at": bindparam("now")}
    return insert(Cart).values(**values, updated_at=bindparam("now")).on_conflict_do_nothing(index_elements=["user_id"])


def merge_guest_cart(user: User, guest_token: str) -> Cart | None:
    """Fold a guest cart into the user's cart (quantities summed, capped by stock), then retire it."""
    guest = _load(_UNCLAIMED, hash_token(guest_token), for_update=True)
    if guest is None:
        return None
    cart, _ = get_or_create_cart(user, None)
    for item in list(guest.items):
        line = _find_line(cart, item.product_id, item.variant_id)
        product, variant = purchasable.get_purchasable(item.product_id, item.variant_id, required=False)
        if product is None:
            continue
        cap = min(purchasable.available(product, variant), current_app.config["CART_MAX_LINE_QUANTITY"])
        wanted = min((line.quantity if line else 0) + item.quantity, cap)
        if wanted <= 0:
            continue
        if line is None:
            cart.items.append(CartItem(product_id=item.product_id, variant_id=item.variant_id, quantity=wanted))
        else:
            line.quantity = wanted
    if guest.coupon_id and not cart.coupon_id:
        cart.coupon_id = guest.coupon_id
    db.session.delete(guest)
    db.session.flush()
    return cart


def _find_line(cart: Cart, product_id: uuid.UUID, variant_id: uuid.UUID | None) -> CartItem | None:
    return next((i for i in cart.items if i.product_id == product_id and i.variant_id == variant_id), None)


def check_line_quantity(quantity: int, field: str = "quantity") -> None:
    """CART_MAX_LINE_QUANTITY: the most units of one item in a cart, and so in an order."""
    limit = current_app.config["CART_MAX_LINE_QUANTITY"]
    if quantity > limit:
        raise ValidationFailed(f"At most {limit} of one item per order.", errors={field: [f"At most {limit}."]})


def check_line_count(count: int, field: str = "product_id") -> None:
    """CART_MAX_LINES: the most different items in a cart, and so in an order."""
    limit = current_app.config["CART_MAX_LINES"]
    if count > limit:
        raise ValidationFailed(
            f"At most {limit} different items per order.", errors={field: [f"At most {limit} different items."]}
        )


def _check_quantity(product, variant, quantity: int) -> None:
    check_line_quantity(quantity)
    available = purchasable.available(product, variant)
    if quantity > available:
        raise InsufficientStock(
            f"Only {available} left in stock.", errors={"requested": quantity, "available": available}
        )


def add_item(cart: Cart, product_id: uuid.UUID, variant_id: uuid.UUID | None, quantity: int) -> CartItem:
    product, variant = purchasable.get_purchasable(product_id, variant_id)
    line = _find_line(cart, product.id, variant.id if variant else None)
    if line is None:
        check_line_count(len(cart.items) + 1)
    total = (line.quantity if line else 0) + quantity
    _check_quantity(product, variant, total)  # the whole line, not just the increment
    if line is None:
        line = CartItem(product_id=product.id, variant_id=variant.id if variant else None, quantity=total)
        cart.items.append(line)
    else:
        line.quantity = total
    db.session.flush()
    return line


def find_item(
    cart: Cart | None,
    item_id: uuid.UUID | None = None,
    product_id: uuid.UUID | None = None,
    variant_id: uuid.UUID | None = None,
) -> CartItem:
    line = None
    if cart is not None:
        if item_id is not None:
            line = next((i for i in cart.items if i.id == item_id), None)
        elif product_id is not None:
            line = _find_line(cart, product_id, variant_id)
    if line is None:
        raise NotFound("This item is not in the cart.")
    return line


def set_quantity(cart: Cart, line: CartItem, quantity: int) -> None:
    if quantity <= 0:
        cart.items.remove(line)
        return
    product, variant = purchasable.get_purchasable(line.product_id, line.variant_id)
    _check_quantity(product, variant, quantity)
    line.quantity = quantity


def clear(cart: Cart) -> None:
    cart.items.clear()
    cart.coupon_id = None


def remove_coupon(cart: Cart) -> None:
    cart.coupon_id = None
    cart.coupon = None


def apply_coupon(cart: Cart, user: User | None, code: str) -> None:
    coupon = find_coupon(code)
    check_coupon(coupon, priced(cart, user).totals.subtotal, user)
    cart.coupon = coupon


def shipping_method_of(cart: Cart | None) -> ShippingMethod:
    return cart.shipping_method if cart is not None and cart.shipping_method else ShippingMethod.STANDARD


@dataclass
class PricedCart:
    cart: Cart | None
    lines: list[PricedLine]
    totals: Totals
    coupon_code: str | None
    coupon_error: str | None

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def priced(cart: Cart | None, user: User | None, method: ShippingMethod | None = None) -> PricedCart:
    """The cart with live prices and the totals checkout would charge now (shipped by `method`,
    else by the cart's own choice, else standard)."""
    method = method or shipping_method_of(cart)
    items = list(cart.items) if cart is not None else []
    products = purchasable.load_many([(i.product_id, i.variant_id) for i in items])
    lines = [price_line(*products[(item.product_id, item.variant_id)], item.quantity, item) for item in items]
    discount, coupon_code, coupon_error = None, None, None
    if cart is not None and cart.coupon is not None:
        coupon_code = cart.coupon.code
        try:
            discount = check_coupon(cart.coupon, subtotal(lines), user)
        except CouponInvalid as exc:
            coupon_error = exc.message
    return PricedCart(cart, lines, totals(lines, method, discount), coupon_code, coupon_error)


def coupon_preview(cart: Cart | None, user: User | None, code: str) -> dict:
    """Would `code` apply to this cart now, and what would it take off? Invalid is an answer, not an error."""
    current = priced(cart, user)
    try:
        discount = check_coupon(find_coupon(code), current.totals.subtotal, user)
    except CouponInvalid as exc:
        return {"valid": False, "code": code, "discount": None, "reason": exc.message, "totals": None}
    estimate = totals(current.lines, shipping_method_of(cart), discount)
    return {
        "valid": True,
        "code": normalise_code(code),
        "discount": estimate.discount,
        "reason": None,
        "totals": estimate,
    }
