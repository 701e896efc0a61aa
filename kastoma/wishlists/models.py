"""Wishlists and their items (tables `wishlists`, `wishlist_items`)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kastoma.extensions import db
from kastoma.models import Timestamped, UUIDPrimaryKey
from kastoma.users.models import User


class Wishlist(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "wishlists"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(default=False)
    is_public: Mapped[bool] = mapped_column(default=False)

    owner: Mapped[User] = relationship(lazy="joined")
    items: Mapped[list[WishlistItem]] = relationship(
        back_populates="wishlist", cascade="all, delete-orphan", order_by="WishlistItem.created_at"
    )


class WishlistItem(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "wishlist_items"
    __table_args__ = (UniqueConstraint("wishlist_id", "product_id", "variant_id"),)

    wishlist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wishlists.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    variant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(String(255), default="")

    wishlist: Mapped[Wishlist] = relationship(back_populates="items")
