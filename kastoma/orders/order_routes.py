"""`/api/v1/orders/`: checkout, order history, cancellation, staff fulfilment and payments."""

from __future__ import annotations

from uuid import UUID

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.envelope import success_body
from kastoma.extensions import commit_keeping_loaded_state, db
from kastoma.orders import lifecycle, payments
from kastoma.orders.checkout import checkout
from kastoma.orders.idempotency import IDEMPOTENCY_HEADER_DOC, idempotent, record_answer
from kastoma.orders.notifications import PLACED, notify
from kastoma.orders.queries import get_order, list_orders
from kastoma.orders.schemas import (
    CancelSchema,
    CheckoutSchema,
    MarkPaidSchema,
    OrderListQuerySchema,
    OrderSchema,
    PaymentSchema,
    PaySchema,
    StaffOrderUpdateSchema,
    StatusUpdateSchema,
    TrackingSchema,
)
from kastoma.roles import Role

blp = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="Checkout and orders.")

PRIVATE = {"Cache-Control": "private, no-store"}


@blp.route("/")
class Orders(MethodView):
    @blp.auth()
    @blp.arguments(OrderListQuerySchema, location="query")
    @blp.response(200, OrderSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc_errors(400)
    def get(self, filters):
        """Your orders (staff: every order, with filters)"""
        return list_orders(current_user(), filters)

    @blp.auth()
    @idempotent("orders.create")
    @blp.doc(parameters=[IDEMPOTENCY_HEADER_DOC])
    @blp.arguments(CheckoutSchema)
    @blp.response(201, OrderSchema)
    @blp.doc_errors(400, 404, 409, 422)
    def post(self, data):
        """Place an order from the cart, or from an explicit `items` list (buy now)"""
        return place(data)


def place(data: dict):
    order = checkout(current_user(), data)
    notify(order, PLACED)
    db.session.flush()
    record_answer(201, lambda: success_body(OrderSchema().dump(order)))
    commit_keeping_loaded_state()
    return order, 201, PRIVATE


@blp.route("/my_orders/")
class MyOrders(MethodView):
    @blp.auth()
    @blp.response(200, OrderSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        """Your own orders, newest first (staff included)"""
        return list_orders(current_user(), {}, mine_only=True)


@blp.route("/<uuid:order_id>/")
class OrderDetail(MethodView):
    @blp.auth()
    @blp.response(200, OrderSchema)
    @blp.doc_errors(404)
    def get(self, order_id: UUID):
        """One order (yours, or any for staff)"""
        return get_order(current_user(), order_id), 200, PRIVATE

    @blp.auth(Role.STAFF)
    @blp.arguments(StaffOrderUpdateSchema)
    @blp.response(200, OrderSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, order_id: UUID):
        """Staff: edit internal notes and tracking (status, totals and payment are not editable here)"""
        return _edit(order_id, data)


def _edit(order_id: UUID, data: dict):
    order = lifecycle.update_details(get_order(current_user(), order_id, lock=True), data)
    db.session.commit()
    return order


@blp.route("/<uuid:order_id>/cancel/")
class Cancel(MethodView):
    @blp.auth()
    @blp.arguments(CancelSchema)
    @blp.response(200, OrderSchema)
    @blp.doc_errors(400, 404, 409)
    def post(self, data, order_id: UUID):
        """Cancel: customers while pending or confirmed, staff also while processing"""
        user = current_user()
        order = lifecycle.cancel_order(
            get_order(user, order_id, lock=True), user, by_staff=user.is_staff, note=data["note"]
        )
        commit_keeping_loaded_state()
        return order


@blp.route("/<uuid:order_id>/update_status/")
class UpdateStatus(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(StatusUpdateSchema)
    @blp.response(200, OrderSchema)
    @blp.doc_errors(400, 404, 409)
    def patch(self, data, order_id: UUID):
        """Staff: move the order through its lifecycle (409 invalid_transition otherwise)"""
        user = current_user()
        order = lifecycle.change_status(get_order(user, order_id, lock=True), data["status"], user, data["note"])
        commit_keeping_loaded_state()
        return order


@blp.route("/<uuid:order_id>/add_tracking/")
class AddTracking(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(TrackingSchema)
    @blp.response(200, OrderSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, order_id: UUID):
        """Staff: record the carrier, tracking number/URL and estimated delivery"""
        return _edit(order_id, data)


@blp.route("/<uuid:order_id>/pay/")
class Pay(MethodView):
    @blp.auth()
    @idempotent("orders.pay")
    @blp.doc(parameters=[IDEMPOTENCY_HEADER_DOC])
    @blp.arguments(PaySchema)
    @blp.response(200, PaymentSchema)
    @blp.doc_errors(400, 404, 409, 422)
    def post(self, data, order_id: UUID):
        """Pay your order: `dummy` test cards (tok_visa, tok_chargeDeclined, tok_processing) or `manual`"""
        user = current_user()
        payment = payments.pay(get_order(user, order_id, lock=True, own_only=True), data["provider"], data["token"])
        commit_keeping_loaded_state()
        return payment


@blp.route("/<uuid:order_id>/mark_paid/")
class MarkPaid(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(MarkPaidSchema)
    @blp.response(200, PaymentSchema)
    @blp.doc_errors(400, 404, 409)
    def post(self, data, order_id: UUID):
        """Staff: record a manual payment (bank transfer received, cash collected)"""
        user = current_user()
        payment = payments.mark_paid(get_order(user, order_id, lock=True), user, data["note"])
        commit_keeping_loaded_state()
        return payment
