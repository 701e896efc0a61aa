"""`/api/v1/products/<id>/reviews/` (read, write your own) and `/api/v1/reviews/` (moderation)."""

from __future__ import annotations

from uuid import UUID

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.products import services
from kastoma.products.cache import catalogue_read, install_http_caching
from kastoma.products.models import ReviewStatus
from kastoma.products.query_schemas import InactiveQuerySchema
from kastoma.products.slugs import ref_parameter
from kastoma.reviews import services as reviews
from kastoma.reviews.schemas import ModeratedReviewSchema, ModerationSchema, ReviewQuerySchema, ReviewSchema
from kastoma.roles import Role
from kastoma.schemas import MessageSchema

blp = Blueprint("reviews", __name__, url_prefix="/api/v1", description="Product reviews and their moderation.")
install_http_caching(blp)
REF = ref_parameter("product")


@blp.route("/products/<ref:id_or_slug>/reviews/", parameters=REF)
class ProductReviews(MethodView):
    @blp.arguments(InactiveQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, ReviewSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc(security=[{"bearerAuth": []}, {}])
    @blp.doc_errors(401, 403, 404)
    def get(self, query, id_or_slug: str):
        """A product's approved reviews, newest first"""
        return reviews.approved_reviews(services.get_product(id_or_slug, query["include_inactive"]))

    @blp.auth()
    @blp.arguments(ReviewSchema)
    @blp.response(201, ReviewSchema)
    @blp.doc_errors(400, 404, 409)
    def post(self, data, id_or_slug: str):
        """Review a product (once per product; shown after approval unless approval is off)"""
        review = reviews.create_review(services.get_product(id_or_slug), current_user(), data)
        db.session.commit()
        pending = review.status is ReviewStatus.PENDING
        set_message("Thank you! Your review will appear once approved." if pending else "Thank you for your review.")
        return review


@blp.route("/products/<ref:id_or_slug>/reviews/<uuid:review_id>/", parameters=REF)
class ProductReview(MethodView):
    @blp.auth(optional=True)
    @blp.response(200, ReviewSchema)
    @blp.doc_errors(404)
    def get(self, id_or_slug: str, review_id: UUID):
        """An approved review, or your own whatever its state"""
        return reviews.get_review(services.get_product(id_or_slug), review_id, current_user())

    @blp.auth()
    @blp.arguments(ReviewSchema(partial=True))
    @blp.response(200, ReviewSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, id_or_slug: str, review_id: UUID):
        """Edit your review (it is moderated again when approval is required)"""
        review = reviews.get_review(services.get_product(id_or_slug), review_id, current_user(), for_update=True)
        reviews.update_review(review, data)
        db.session.commit()
        return review

    @blp.auth()
    @blp.response(200, MessageSchema)
    @blp.doc_errors(404)
    def delete(self, id_or_slug: str, review_id: UUID):
        """Delete your review"""
        review = reviews.get_review(services.get_product(id_or_slug), review_id, current_user(), for_update=True)
        reviews.delete_review(review)
        db.session.commit()
        set_message("Review deleted.")
        return {"detail": "Review deleted."}


@blp.route("/reviews/")
class ModerationQueue(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(ReviewQuerySchema, location="query")
    @blp.response(200, ModeratedReviewSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc_errors(400)
    def get(self, query):
        """Reviews by state, oldest first: the moderation queue (staff; default: pending)"""
        product = services.filter_product(query["product"], "product") if query.get("product") else None
        return reviews.moderation_queue(query, product)


@blp.route("/reviews/<uuid:review_id>/")
class ReviewModeration(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, ModeratedReviewSchema)
    @blp.doc_errors(404)
    def get(self, review_id: UUID):
        """Any review, whatever its state (staff)"""
        return reviews.get_review_by_id(review_id)

    @blp.auth(Role.STAFF)
    @blp.arguments(ModerationSchema)
    @blp.response(200, ModeratedReviewSchema)
    @blp.doc_errors(400, 404)
    def patch(self, status, review_id: UUID):
        """Approve or hide a review (staff): `{"status": "approved"}` or `{"is_approved": false}`"""
        review = reviews.moderate(reviews.get_review_by_id(review_id), status, current_user())
        db.session.commit()
        return review
