"""`/api/v1/coupons/` (staff CRUD) and `/api/v1/orders/validate_coupon/` (anyone with a cart)."""

from __future__ import annotations

from uuid import UUID

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.orders import cart as carts
from kastoma.orders import coupons
from kastoma.orders.schemas import CouponCheckSchema, CouponCodeSchema, CouponQuerySchema, CouponSchema
from kastoma.roles import Role

blp = Blueprint("coupons", __name__, url_prefix="/api/v1", description="Discount coupons.")


@blp.route("/coupons/")
class Coupons(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(CouponQuerySchema, location="query")
    @blp.response(200, CouponSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, query):
        """Staff: list coupons"""
        return coupons.list_coupons(query)

    @blp.auth(Role.STAFF)
    @blp.arguments(CouponSchema)
    @blp.response(201, CouponSchema)
    @blp.doc_errors(400)
    def post(self, data):
        """Staff: create a coupon"""
        coupon = coupons.create_coupon(data)
        db.session.commit()
        return coupon


@blp.route("/coupons/<uuid:coupon_id>/")
class CouponDetail(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, CouponSchema)
    @blp.doc_errors(404)
    def get(self, coupon_id: UUID):
        """Staff: one coupon"""
        return coupons.get_coupon(coupon_id)

    @blp.auth(Role.STAFF)
    @blp.arguments(CouponSchema(partial=True))
    @blp.response(200, CouponSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, coupon_id: UUID):
        """Staff: update a coupon"""
        coupon = coupons.update_coupon(coupons.get_coupon(coupon_id), data)
        db.session.commit()
        return coupon

    @blp.auth(Role.STAFF)
    @blp.response(200, CouponSchema)
    @blp.doc_errors(404)
    def delete(self, coupon_id: UUID):
        """Staff: deactivate a coupon (coupons are never deleted: orders refer to them)"""
        coupon = coupons.get_coupon(coupon_id)
        coupon.is_active = False
        db.session.commit()
        set_message("Coupon deactivated.")
        return coupon


@blp.route("/orders/validate_coupon/")
class ValidateCoupon(MethodView):
    @blp.auth(optional=True)
    @blp.arguments(CouponCodeSchema)
    @blp.response(200, CouponCheckSchema)
    @blp.doc_errors(400)
    def post(self, data):
        """Would this code apply to the current cart, and what would it take off?"""
        user = current_user()
        return carts.coupon_preview(carts.find_cart(user, None if user else carts.guest_token()), user, data["code"])
