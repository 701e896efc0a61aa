"""Review moderation: a queue of reviews with approve/hide bulk actions (the catalogue's `moderate`)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from sqlalchemy import select

from kastoma.admin.base import StaffModelView
from kastoma.extensions import db
from kastoma.products.models import Review, ReviewStatus
from kastoma.reviews import services as reviews


class ReviewView(StaffModelView):
    can_create = False
    can_edit = False
    column_list = ("created_at", "product", "author", "rating", "title", "text", "is_verified_purchase", "status")
    column_labels = {"is_verified_purchase": "Verified", "created_at": "Written"}
    column_default_sort = ("created_at", True)
    column_sortable_list = ("created_at", "rating", "status")
    column_searchable_list = ("title", "text")
    column_formatters = {
        "product": lambda v, c, m, n: m.product.name,
        "author": lambda v, c, m, n: m.author.username,
        "status": lambda v, c, m, n: m.status.value,
        "text": lambda v, c, m, n: (m.text[:120] + "…") if len(m.text) > 120 else m.text,
    }
    column_details_exclude_list = ("moderated_by_id",)

    def __init__(self, **kwargs: Any) -> None:
        self.column_filters = (
            FilterEqual(Review.status, "Status", options=[(s.value, s.value.capitalize()) for s in ReviewStatus]),
            "rating",
            "is_verified_purchase",
        )
        super().__init__(Review, **kwargs)

    @action("approve", "Approve")
    def action_approve(self, ids: list[str]) -> None:
        self._moderate(ids, ReviewStatus.APPROVED)

    @action("hide", "Hide", "Hide the selected reviews from the shop?")
    def action_hide(self, ids: list[str]) -> None:
        self._moderate(ids, ReviewStatus.HIDDEN)

    def _moderate(self, ids: list[str], status: ReviewStatus) -> None:
        selected = db.session.scalars(select(Review).where(Review.id.in_([uuid.UUID(i) for i in ids]))).all()
        for review in selected:
            reviews.moderate(review, status, self.actor)
        db.session.commit()
        flash(f"{len(selected)} review(s) {status.value}.", "success")
