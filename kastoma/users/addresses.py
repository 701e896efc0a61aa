"""Saved addresses: each user has at most one default shipping and one default billing address."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update

from kastoma.errors import Conflict, NotFound
from kastoma.extensions import db
from kastoma.users.models import Address, User

MAX_ADDRESSES = 50


def list_addresses(user: User):
    return select(Address).where(Address.user_id == user.id).order_by(Address.created_at, Address.id)


def get_address(user: User, address_id: uuid.UUID) -> Address:
    """The user's address; someone else's is indistinguishable from a missing one."""
    address = db.session.scalar(select(Address).where(Address.id == address_id, Address.user_id == user.id))
    if address is None:
        raise NotFound("Address not found.")
    return address


def _apply_defaults(user: User, address: Address, data: dict[str, Any]) -> None:
    for flag in ("is_default_shipping", "is_default_billing"):
        if data.get(flag):
            db.session.execute(
                update(Address)
                .where(Address.user_id == user.id, Address.id != address.id, getattr(Address, flag).is_(True))
                .values({flag: False})
            )


def create_address(user: User, data: dict[str, Any]) -> Address:
    count = db.session.scalar(select(db.func.count()).select_from(Address).where(Address.user_id == user.id))
    if count >= MAX_ADDRESSES:
        raise Conflict(f"You can save at most {MAX_ADDRESSES} addresses.", code="limit_reached")
    first = count == 0
    address = Address(user_id=user.id, **data)
    # The first address becomes the default for both, so checkout always has one to offer.
    if first:
        address.is_default_shipping = data.get("is_default_shipping", True)
        address.is_default_billing = data.get("is_default_billing", True)
    db.session.add(address)
    db.session.flush()
    _apply_defaults(
        user,
        address,
        {"is_default_shipping": address.is_default_shipping, "is_default_billing": address.is_default_billing},
    )
    return address


def update_address(user: User, address: Address, data: dict[str, Any]) -> Address:
    for field, value in data.items():
        setattr(address, field, value)
    _apply_defaults(user, address, data)
    return address


def delete_address(address: Address) -> None:
    db.session.delete(address)
