"""`*/stats/`: staff statistics of the catalogue, accounts, profiles, orders and carts (the
original API's paths; each is cached for a minute)."""

from __future__ import annotations

from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.reports import stats
from kastoma.reports.schemas import (
    CartStatsQuerySchema,
    CartStatsSchema,
    CategoryStatsSchema,
    OrderStatsSchema,
    ProductStatsSchema,
    ProfileStatsSchema,
    UserStatsSchema,
)
from kastoma.roles import Role

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="Statistics for staff.")

PRIVATE = {"Cache-Control": "private, no-store"}


@blp.route("/products/stats/")
class ProductStats(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, ProductStatsSchema)
    def get(self):
        """Staff: products by state, stock and its value, products per root category, average rating"""
        return stats.cached_stats("products", None, stats.product_stats), 200, PRIVATE


@blp.route("/categories/stats/")
class CategoryStats(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, CategoryStatsSchema)
    def get(self):
        """Staff: categories, roots, depth, empty ones, and the ten with most products"""
        return stats.cached_stats("categories", None, stats.category_stats), 200, PRIVATE


@blp.route("/users/stats/")
class UserStats(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, UserStatsSchema)
    def get(self):
        """Staff: accounts by role and state, sign-ups per day for 30 days"""
        return stats.cached_stats("users", None, stats.user_stats), 200, PRIVATE


@blp.route("/profiles/stats/")
class ProfileStats(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, ProfileStatsSchema)
    def get(self):
        """Staff: profiles with an avatar, newsletter and marketing opt-ins, complete profiles"""
        return stats.cached_stats("profiles", None, stats.profile_stats), 200, PRIVATE


@blp.route("/orders/stats/")
class OrderStats(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, OrderStatsSchema)
    def get(self):
        """Staff: orders and revenue by status and by day (30 days), average order value, payments, refunds"""
        return stats.cached_stats("orders", None, stats.order_stats), 200, PRIVATE


@blp.route("/cart/stats/")
class CartStats(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(CartStatsQuerySchema, location="query")
    @blp.response(200, CartStatsSchema)
    @blp.doc_errors(400)
    def get(self, query):
        """Staff: open carts, guest and user carts, their size and value, abandoned carts"""
        hours = query["abandoned_after_hours"]
        return stats.cached_stats("carts", hours, lambda: stats.cart_stats(hours)), 200, PRIVATE
