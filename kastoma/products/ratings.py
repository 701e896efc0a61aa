"""A product's rating as the catalogue shows it: how many approved reviews gave each star."""

from __future__ import annotations

from sqlalchemy import func, select

from kastoma.extensions import db
from kastoma.products.models import Product, Review, ReviewStatus


def rating_distribution(product: Product) -> dict[str, int]:
    rows = db.session.execute(
        select(Review.rating, func.count())
        .where(Review.product_id == product.id, Review.status == ReviewStatus.APPROVED)
        .group_by(Review.rating)
    )
    counts = dict(rows.all())
    return {str(stars): counts.get(stars, 0) for stars in range(1, 6)}
