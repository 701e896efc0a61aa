"""Product reviews: one per user per product, verified when the user received the product,
moderated (approval required by default), and the product's rating kept from approved reviews
only (the catalogue reads the distribution itself, kastoma/products/ratings.py).

Functions take model objects and plain data, raise DomainErrors and never commit.
"""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from kastoma.errors import Conflict, NotFound
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.orders.enums import OrderStatus
from kastoma.orders.models import Order, OrderItem
from kastoma.products.locks import lock_product
from kastoma.products.models import Product, Review, ReviewStatus
from kastoma.users.models import User

EDITABLE = ("rating", "title", "text")


def has_purchased(user: User, product: Product) -> bool:
    """Whether the user has a delivered order containing the product (`is_verified_purchase`)."""

    return bool(
        db.session.scalar(
            select(
                exists().where(
                    OrderItem.product_id == product.id,
                    OrderItem.order_id == Order.id,
                    Order.user_id == user.id,
                    Order.status == OrderStatus.DELIVERED,
                )
            )
        )
    )


def approval_required() -> bool:
    return bool(current_app.config.get("REVIEWS_REQUIRE_APPROVAL", True))


def refresh_rating(product: Product) -> None:
    """The product's average and count, from approved reviews only (under the product's lock)."""
    db.session.flush()
    lock_product(product)
    average, count = db.session.execute(
        select(func.avg(Review.rating), func.count()).where(
            Review.product_id == product.id, Review.status == ReviewStatus.APPROVED
        )
    ).one()
    product.review_count = count
    product.rating_average = Decimal(str(average)).quantize(Decimal("0.01"), ROUND_HALF_UP) if count else Decimal("0")


def approved_reviews(product: Product) -> Select:
    return (
        select(Review)
        .where(Review.product_id == product.id, Review.status == ReviewStatus.APPROVED)
        .order_by(Review.created_at.desc(), Review.id.desc())
    )


def get_review(product: Product, review_id: uuid.UUID, viewer: User | None, *, for_update: bool = False) -> Review:
    """An approved review (read-only), or the viewer's own in any state. 404 otherwise."""
    review = db.session.get(Review, review_id)
    own = review is not None and viewer is not None and review.user_id == viewer.id
    visible = review is not None and (own or (not for_update and (review.is_approved or viewer_is_staff(viewer))))
    if not visible or review.product_id != product.id:
        raise NotFound("Review not found.")
    return review


def viewer_is_staff(viewer: User | None) -> bool:
    return viewer is not None and viewer.is_staff


def create_review(product: Product, user: User, data: dict[str, Any]) -> Review:
    existing = db.session.scalar(select(Review.id).where(Review.product_id == product.id, Review.user_id == user.id))
    if existing is not None:
        raise _duplicate(existing)
    review = Review(
        product_id=product.id,
        user_id=user.id,
        status=ReviewStatus.PENDING if approval_required() else ReviewStatus.APPROVED,
        is_verified_purchase=has_purchased(user, product),
        **{k: data[k] for k in EDITABLE if k in data},
    )
    try:
        with db.session.begin_nested():
            db.session.add(review)
    except IntegrityError as exc:  # the same user, twice at once
        raise _duplicate(None) from exc
    refresh_rating(product)
    return review


def _duplicate(review_id: uuid.UUID | None) -> Conflict:
    return Conflict(
        "You have already reviewed this product; edit your review instead.",
        code="duplicate_review",
        errors={"review_id": str(review_id) if review_id else None},
    )


def update_review(review: Review, data: dict[str, Any]) -> Review:
    changed = False
    for field in EDITABLE:
        if field in data and data[field] != getattr(review, field):
            setattr(review, field, data[field])
            changed = True
    # An edited review is moderated again: approval must not be a licence to change the text.
    if changed and approval_required() and review.status is ReviewStatus.APPROVED:
        review.status = ReviewStatus.PENDING
    refresh_rating(review.product)
    return review


def delete_review(review: Review) -> None:
    product = review.product
    db.session.delete(review)
    refresh_rating(product)


def moderate(review: Review, status: ReviewStatus, moderator: User) -> Review:
    review.status = status
    review.moderated_at = utcnow()
    review.moderated_by_id = moderator.id
    refresh_rating(review.product)
    return review


def get_review_by_id(review_id: uuid.UUID) -> Review:
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound("Review not found.")
    return review


def moderation_queue(query: dict[str, Any], product: Product | None = None) -> Select:
    stmt = (
        select(Review)
        .options(joinedload(Review.product))
        .where(Review.status == query.get("status", ReviewStatus.PENDING))
    )
    if product is not None:
        stmt = stmt.where(Review.product_id == product.id)
    if query.get("rating"):
        stmt = stmt.where(Review.rating == query["rating"])
    return stmt.order_by(Review.created_at, Review.id)
