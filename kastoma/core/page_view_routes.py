"""`/api/v1/core/page-views/`: storefronts report the pages shoppers view (anyone may, limited
per client IP); staff list them and read the counts by day, path and product."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask.views import MethodView
from flask_limiter.util import get_remote_address

from kastoma.api import Blueprint, SelectPage
from kastoma.core import page_views
from kastoma.core.schemas import PageViewCreateSchema, PageViewQuerySchema, PageViewSchema, PageViewSummarySchema
from kastoma.extensions import db, limiter
from kastoma.models import utcnow
from kastoma.roles import Role

blp = Blueprint("page_views", __name__, url_prefix="/api/v1/core/page-views", description="Storefront page views.")


@blp.route("/")
class PageViews(MethodView):
    decorators = [
        limiter.limit(lambda: current_app.config["RATELIMIT_PAGE_VIEWS"], key_func=get_remote_address, methods=["POST"])
    ]

    @blp.auth(optional=True)
    @blp.arguments(PageViewCreateSchema)
    @blp.response(201, PageViewSchema)
    @blp.doc_errors(400, 429)
    def post(self, data):
        """Record a page view (path, optional product and referrer; no personal data is kept)"""
        view = page_views.record(data)
        db.session.commit()
        return view

    @blp.auth(Role.STAFF)
    @blp.arguments(PageViewQuerySchema, location="query")
    @blp.response(200, PageViewSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc_errors(400)
    def get(self, query):
        """Staff: page views, newest first; filter by path prefix, product and dates"""
        return page_views.list_views(query)


@blp.route("/summary/")
class PageViewSummary(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(PageViewQuerySchema, location="query")
    @blp.response(200, PageViewSummarySchema)
    @blp.doc_errors(400)
    def get(self, query):
        """Staff: views per day and the most viewed paths and products (default: the last 30 days)"""
        end = query.get("end") or utcnow().date()
        start = query.get("start") or end - timedelta(days=29)
        return page_views.summary(query, min(start, end), end)
