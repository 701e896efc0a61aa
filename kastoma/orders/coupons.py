"""Coupons: validity rules, redemption that holds under concurrency, and release on cancel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select

from kastoma.errors import CouponInvalid, NotFound, ValidationFailed
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.orders.models import Coupon, CouponUsage, Order
from kastoma.orders.totals import Discount, DiscountType, money
from kastoma.users.models import User


def normalise_code(code: str) -> str:
    return code.strip().upper()


def find_coupon(code: str, *, lock: bool = False) -> Coupon | None:
    stmt = select(Coupon).where(Coupon.code == normalise_code(code))
    if lock:
        # Redemptions of one coupon are serialised, so usage limits hold under concurrency.
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def invalid(reason: str, code: str = "coupon_invalid") -> CouponInvalid:
    return CouponInvalid(reason, errors={"coupon_code": [reason]}, code=code)


def check_coupon(coupon: Coupon | None, subtotal: Decimal, user: User | None) -> Discount:
    """The discount this coupon grants on `subtotal` for `user`, or a CouponInvalid with the reason."""
    if coupon is None or not coupon.is_active:
        raise invalid("This coupon code is not valid.")
    now = utcnow()
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise invalid("This coupon is not valid yet.")
    if coupon.valid_until is not None and now > coupon.valid_until:
        raise invalid("This coupon has expired.", code="coupon_expired")
    if coupon.usage_limit is not None and coupon.times_used >= coupon.usage_limit:
        raise invalid("This coupon has been used up.", code="coupon_exhausted")
    if coupon.per_user_limit is not None and user is not None and uses_by(coupon, user) >= coupon.per_user_limit:
        raise invalid("You have already used this coupon.", code="coupon_exhausted")
    if subtotal < coupon.min_order_amount:
        raise invalid(f"This coupon needs an order of at least {money(coupon.min_order_amount)}.")
    return Discount(DiscountType(coupon.discount_type), coupon.value, coupon.max_discount)


def uses_by(coupon: Coupon, user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(CouponUsage.id)).where(CouponUsage.coupon_id == coupon.id, CouponUsage.user_id == user.id)
        )
        or 0
    )


def redeem(coupon: Coupon, order: Order, user: User | None, amount: Decimal) -> None:
    """Count one use (the coupon row is locked by the caller's find_coupon(lock=True))."""
    coupon.times_used += 1
    db.session.add(
        CouponUsage(coupon_id=coupon.id, user_id=user.id if user else None, order_id=order.id, discount_amount=amount)
    )


def release(order: Order) -> None:
    """Give back the use of a cancelled order's coupon."""
    usage = db.session.scalar(select(CouponUsage).where(CouponUsage.order_id == order.id))
    if usage is None:
        return
    coupon = db.session.scalar(select(Coupon).where(Coupon.id == usage.coupon_id).with_for_update())
    if coupon is not None and coupon.times_used > 0:
        coupon.times_used -= 1
    db.session.delete(usage)


def list_coupons(query: dict[str, Any]) -> Select:
    stmt = select(Coupon).order_by(Coupon.created_at.desc(), Coupon.id)
    if "is_active" in query:
        stmt = stmt.where(Coupon.is_active.is_(query["is_active"]))
    if query.get("search"):
        stmt = stmt.where(Coupon.code.contains(normalise_code(query["search"]), autoescape=True))
    return stmt


def get_coupon(coupon_id: Any) -> Coupon:
    coupon = db.session.get(Coupon, coupon_id)
    if coupon is None:
        raise NotFound("Coupon not found.")
    return coupon


# The fields whose values must agree with each other (check_rules).
RULE_FIELDS = ("discount_type", "value", "valid_from", "valid_until")


def check_rules(values: dict[str, Any]) -> None:
    """The rules across fields, on the coupon as it would be saved (created, replaced or patched)."""
    errors: dict[str, list[str]] = {}
    if values.get("discount_type") is DiscountType.PERCENTAGE and values.get("value", 0) > 100:
        errors["value"] = ["A percentage cannot exceed 100."]
    valid_from, valid_until = values.get("valid_from"), values.get("valid_until")
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        errors["valid_until"] = ["Must be after valid_from."]
    if errors:
        raise ValidationFailed(errors=errors)


def create_coupon(data: dict[str, Any]) -> Coupon:
    data = {**data, "code": normalise_code(data["code"])}
    check_rules(data)
    if find_coupon(data["code"]) is not None:
        raise ValidationFailed(errors={"code": ["A coupon with this code already exists."]})
    coupon = Coupon(**data)
    db.session.add(coupon)
    db.session.flush()
    return coupon


def update_coupon(coupon: Coupon, data: dict[str, Any]) -> Coupon:
    check_rules({**{field: getattr(coupon, field) for field in RULE_FIELDS}, **data})
    if "code" in data:
        data = {**data, "code": normalise_code(data["code"])}
        other = find_coupon(data["code"])
        if other is not None and other.id != coupon.id:
            raise ValidationFailed(errors={"code": ["A coupon with this code already exists."]})
    for field, value in data.items():
        setattr(coupon, field, value)
    return coupon
