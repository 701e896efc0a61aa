"""Reading orders: customers see only their own; staff see and filter all."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from kastoma.auth import current_user
from kastoma.errors import NotFound
from kastoma.extensions import db
from kastoma.orders.models import Order, OrderStatusHistory
from kastoma.users.models import User

_EAGER = (
    selectinload(Order.items),
    selectinload(Order.history).selectinload(OrderStatusHistory.actor),
    selectinload(Order.payments),
)


def list_orders(viewer: User, filters: dict[str, Any], *, mine_only: bool = False) -> Select:
    stmt = select(Order).options(*_EAGER).order_by(Order.created_at.desc(), Order.id)
    if mine_only or not viewer.is_staff:
        stmt = stmt.where(Order.user_id == viewer.id)
    if filters.get("status"):
        stmt = stmt.where(Order.status == filters["status"])
    if filters.get("payment_status"):
        stmt = stmt.where(Order.payment_status == filters["payment_status"])
    if filters.get("email"):
        stmt = stmt.where(Order.email == filters["email"].strip().lower())
    if filters.get("search"):
        stmt = stmt.where(Order.order_number.contains(filters["search"].strip().upper(), autoescape=True))
    if filters.get("created_after"):
        stmt = stmt.where(Order.created_at >= filters["created_after"])
    if filters.get("created_before"):
        stmt = stmt.where(Order.created_at <= filters["created_before"])
    return stmt


def with_order(*, lock: bool = False, own_only: bool = False) -> Callable:
    """Route decorator: the path's `order_id` becomes `order`, loaded and authorised once for the
    signed-in caller (`get_order`: the same 404 for another's order as for a missing one)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, order_id: uuid.UUID, **kwargs: Any) -> Any:
            order = get_order(current_user(), order_id, lock=lock, own_only=own_only)
            return view(*args, order=order, **kwargs)

        return wrapper

    return decorator


def get_order(viewer: User, order_id: uuid.UUID, *, lock: bool = False, own_only: bool = False) -> Order:
    """The order if `viewer` owns it or is staff (`own_only`: owner only, e.g. to pay it);
    otherwise the same 404 as a missing order."""
    stmt = select(Order).where(Order.id == order_id)
    if own_only or not viewer.is_staff:
        stmt = stmt.where(Order.user_id == viewer.id)
    stmt = stmt.with_for_update() if lock else stmt.options(*_EAGER)
    order = db.session.scalar(stmt)
    if order is None:
        raise NotFound("Order not found.")
    return order
