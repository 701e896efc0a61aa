"""Wishlists: a default one per user, more can be named; public ones are readable by anyone."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kastoma.errors import Conflict, NotFound, ValidationFailed
from kastoma.extensions import db
from kastoma.products.availability import check_available
from kastoma.users.models import User
from kastoma.wishlists.models import Wishlist, WishlistItem

DEFAULT_WISHLIST_NAME = "My wishlist"
MAX_WISHLISTS = 20
MAX_ITEMS = 500


def list_wishlists(user: User):
    """The user's wishlists, the default one first (created with the first use of any)."""
    default_wishlist(user)
    return (
        select(Wishlist)
        .where(Wishlist.user_id == user.id)
        .options(selectinload(Wishlist.items))
        .order_by(Wishlist.is_default.desc(), Wishlist.created_at, Wishlist.id)
    )


def default_wishlist(user: User) -> Wishlist:
    wishlist = db.session.scalar(select(Wishlist).where(Wishlist.user_id == user.id, Wishlist.is_default.is_(True)))
    if wishlist is None:  # created on first use: accounts (the floor below) know no wishlists
        wishlist = Wishlist(owner=user, name=DEFAULT_WISHLIST_NAME, is_default=True)
        db.session.add(wishlist)
        db.session.flush()
    return wishlist


def get_wishlist(wishlist_id: uuid.UUID, viewer: User | None, *, for_update: bool = False) -> Wishlist:
    """A wishlist the viewer owns, or (read-only) a public one. Anything else is 404."""
    # A writer locks the row (PostgreSQL): a PATCH that meets a DELETE waits, then finds it gone.
    wishlist = db.session.get(
        Wishlist, wishlist_id, with_for_update={"of": Wishlist} if for_update else None, populate_existing=for_update
    )
    owned = wishlist is not None and viewer is not None and wishlist.user_id == viewer.id
    if wishlist is None or not (owned or (wishlist.is_public and not for_update)):
        raise NotFound("Wishlist not found.")
    return wishlist


def create_wishlist(user: User, data: dict[str, Any]) -> Wishlist:
    count = db.session.scalar(select(db.func.count()).select_from(Wishlist).where(Wishlist.user_id == user.id))
    if count >= MAX_WISHLISTS:
        raise Conflict(f"You can keep at most {MAX_WISHLISTS} wishlists.", code="limit_reached")
    wishlist = Wishlist(owner=user, **data)
    db.session.add(wishlist)
    db.session.flush()
    return wishlist


def update_wishlist(wishlist: Wishlist, data: dict[str, Any]) -> Wishlist:
    for field, value in data.items():
        setattr(wishlist, field, value)
    return wishlist


def delete_wishlist(wishlist: Wishlist) -> None:
    if wishlist.is_default:
        raise ValidationFailed(
            "The default wishlist cannot be deleted.", errors={"id": ["This is your default wishlist."]}
        )
    db.session.delete(wishlist)


def add_item(wishlist: Wishlist, data: dict[str, Any]) -> WishlistItem:
    # Any active product, and an active variant of it if one is named (none needs choosing here).
    check_available(data["product_id"], data.get("variant_id"), variant_required=False)
    for item in wishlist.items:
        if item.product_id == data["product_id"] and item.variant_id == data.get("variant_id"):
            raise Conflict("This product is already in the wishlist.", code="duplicate")
    if len(wishlist.items) >= MAX_ITEMS:
        raise Conflict(f"A wishlist holds at most {MAX_ITEMS} items.", code="limit_reached")
    item = WishlistItem(**data)
    wishlist.items.append(item)
    db.session.flush()
    return item


def remove_item(wishlist: Wishlist, item_id: uuid.UUID) -> None:
    for item in wishlist.items:
        if item.id == item_id:
            wishlist.items.remove(item)
            return
    raise NotFound("Wishlist item not found.")
