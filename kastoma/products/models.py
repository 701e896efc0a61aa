"""Catalogue tables: categories, products, variants, images, reviews and stock movements."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kastoma.extensions import db
from kastoma.models import Timestamped, UUIDPrimaryKey, str_enum, utcnow
from kastoma.users.models import User

Money = Numeric(12, 2)
# JSONB on PostgreSQL (indexable, comparable); plain JSON text elsewhere.
Attributes = JSON().with_variant(JSONB(), "postgresql")
# Filled by a trigger on PostgreSQL (see migration 0003); unused (NULL) on SQLite.
SearchVector = Text().with_variant(TSVECTOR(), "postgresql")


class StockReason(enum.StrEnum):
    PURCHASE = "purchase"  # goods received from a supplier
    ADJUSTMENT = "adjustment"  # a stock count corrected by staff
    RETURN = "return"  # a customer sent goods back
    DAMAGE = "damage"  # written off
    SALE = "sale"  # an order took it
    CANCELLATION = "cancellation"  # a cancelled order gave it back
    RESTOCK = "restock"  # a reservation released (e.g. an unpaid order expired)


# Reasons staff may give on `update_stock`; the others belong to the order flow.
MANUAL_STOCK_REASONS = (StockReason.PURCHASE, StockReason.ADJUSTMENT, StockReason.RETURN, StockReason.DAMAGE)


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    HIDDEN = "hidden"


class Category(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "categories"

    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # RESTRICT: categories are deactivated, never deleted while something hangs below them.
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    image_url: Mapped[str] = mapped_column(String(500), default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Product(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("stock_total >= 0", name="stock_total_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("low_stock_threshold >= 0", name="threshold_not_negative"),
        # One index per public ordering, with the id as keyset tie-breaker.
        Index("ix_products_created_at_id", "created_at", "id"),
        Index("ix_products_price_min_id", "price_min", "id"),
        Index("ix_products_name_id", "name", "id"),
        Index("ix_products_rating", "rating_average", "review_count", "id"),
        Index("ix_products_popularity", "order_count", "rating_average", "id"),
        # No pending list: searches would scan it in full (migration 0005).
        Index(
            "ix_products_search_vector",
            "search_vector",
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money)
    # What a unit cost the shop (staff only: the stock's value at cost in products/stats/).
    cost_price: Mapped[Decimal | None] = mapped_column(Money)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    # The product's own stock; a product with variants keeps its stock on the variants.
    stock: Mapped[int] = mapped_column(default=0)
    low_stock_threshold: Mapped[int] = mapped_column(default=5)
    attributes: Mapped[dict[str, Any]] = mapped_column(Attributes, default=dict)
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    length_cm: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    width_cm: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    height_cm: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_featured: Mapped[bool] = mapped_column(default=False, index=True)

    # Kept up to date by services.refresh_aggregates / inventory / reviews, so that filters and
    # orderings on 100k products are plain indexed columns instead of per-row subqueries.
    price_min: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    price_max: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    stock_total: Mapped[int] = mapped_column(default=0)
    variant_count: Mapped[int] = mapped_column(default=0)
    rating_average: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("0"))
    review_count: Mapped[int] = mapped_column(default=0)
    order_count: Mapped[int] = mapped_column(default=0)

    search_vector: Mapped[str | None] = mapped_column(SearchVector, deferred=True)

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        order_by="(ProductVariant.sort_order, ProductVariant.name, ProductVariant.id)",
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        order_by="(ProductImage.is_primary.desc(), ProductImage.sort_order, ProductImage.created_at)",
    )
    primary_image: Mapped[ProductImage | None] = relationship(
        primaryjoin=lambda: and_(ProductImage.product_id == Product.id, ProductImage.is_primary.is_(True)),
        viewonly=True,
        uselist=False,
    )

    @property
    def has_variants(self) -> bool:
        return self.variant_count > 0

    @property
    def in_stock(self) -> bool:
        return self.stock_total > 0

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"


class ProductVariant(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "product_variants"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None: the product's price applies.
    price: Mapped[Decimal | None] = mapped_column(Money)
    stock: Mapped[int] = mapped_column(default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(Attributes, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="variants")

    @property
    def effective_price(self) -> Decimal:
        return self.price if self.price is not None else self.product.price

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class ProductImage(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "product_images"
    __table_args__ = (
        # At most one primary image per product; services make sure there is exactly one.
        Index(
            "uq_product_images_primary",
            "product_id",
            unique=True,
            postgresql_where=text("is_primary"),
            sqlite_where=text("is_primary"),
        ),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    # A path under MEDIA_ROOT for uploads, or an absolute http(s) URL.
    image: Mapped[str] = mapped_column(String(500))
    alt_text: Mapped[str] = mapped_column(String(200), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    is_primary: Mapped[bool] = mapped_column(default=False)

    product: Mapped[Product] = relationship(back_populates="images")


class Review(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "product_reviews"
    __table_args__ = (
        UniqueConstraint("product_id", "user_id"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        Index("ix_product_reviews_product_status_created", "product_id", "status", "created_at"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReviewStatus] = mapped_column(str_enum(ReviewStatus, "review_status"), default=ReviewStatus.PENDING)
    is_verified_purchase: Mapped[bool] = mapped_column(default=False)
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    product: Mapped[Product] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined", innerjoin=True)

    @property
    def is_approved(self) -> bool:
        return self.status is ReviewStatus.APPROVED


class StockMovement(UUIDPrimaryKey, db.Model):
    """The audit trail of stock: one row per change, never updated."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        Index("ix_stock_movements_product_created", "product_id", "created_at"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    variant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), index=True
    )
    delta: Mapped[int]
    reason: Mapped[StockReason] = mapped_column(str_enum(StockReason, "stock_reason"))
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The stock of the product (or of the variant, when variant_id is set) after this change.
    stock_after: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")
    variant: Mapped[ProductVariant | None] = relationship(lazy="joined")


CATALOGUE_MODELS = (Category, Product, ProductVariant, ProductImage, Review, StockMovement)
