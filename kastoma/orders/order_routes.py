"""`/api/v1/orders/`: checkout, order history, cancellation, staff fulfilment and payments."""

from __future__ import annotations

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.extensions import commit_keeping_loaded_state, db
from kastoma.orders import checkout, lifecycle, payments
from kastoma.orders.idempotency import IDEMPOTENCY_HEADER_DOC, commit_created, idempotent
from kastoma.orders.models import Order
from kastoma.orders.queries import list_orders, with_order
from kastoma.orders.schemas import (
    CancelSchema,
    CheckoutSchema,
    MarkPaidSchema,
    OrderListQuerySchema,
    OrderSchema,
    PaymentSchema,
    PaySchema,
    StaffOrderReplaceSchema,
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
        return commit_created(checkout.place(current_user(), data), OrderSchema(), PRIVATE)


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
    @with_order()
    def get(self, order: Order):
        """One order (yours, or any for staff)"""
        return order, 200, PRIVATE

    @blp.auth(Role.STAFF)
    @blp.arguments(StaffOrderReplaceSchema)
    @blp.response(200, OrderSchema)
    @blp.doc_errors(400, 404)
    @with_order(lock=True)
    def put(self, data, order: Order):
        """Staff: set internal notes and tracking (left out: emptied; status, totals and payment move elsewhere)"""
        return _edit(order, data)

    @blp.auth(Role.STAFF)
    @blp.arguments(StaffOrderUpdateSchema)
    @blp.response(200, OrderSchema)
    @blp.doc_errors(400, 404)
    @with_order(lock=True)
    def patch(self, data, order: Order):
        """Staff: edit internal notes and tracking (status, totals and payment are not editable here)"""
        return _edit(order, data)

    @blp.auth()
    @blp.response(200, OrderSchema)
    @blp.doc_errors(404, 409)
    @with_order()
    def delete(self, order: Order):
        """Orders are never deleted: always a 409 `orders_are_never_deleted` (cancel it instead)"""
        raise lifecycle.OrdersAreNeverDeleted()


def _edit(order: Order, data: dict) -> Order:
    lifecycle.update_details(order, data)
    db.session.commit()
    return order


@blp.route("/<uuid:order_id>/cancel/")
class Cancel(MethodView):
    @blp.auth()
    @blp.arguments(CancelSchema)
    @blp.response(200, OrderSchema)
    @blp.doc_errors(400, 404, 409)
    @with_order(lock=True)
    def post(self, data, order: Order):
        """Cancel: customers while pending or confirmed, staff also while processing"""
        user = current_user()
        lifecycle.cancel_order(order, user, by_staff=user.is_staff, note=data["note"])
        commit_keeping_loaded_state()
        return order


@blp.route("/<uuid:order_id>/update_status/")
class UpdateStatus(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(StatusUpdateSchema)
    @blp.response(200, OrderSchema)
    @blp.doc_errors(400, 404, 409)
    @with_order(lock=True)
    def patch(self, data, order: Order):
        """Staff: move the order through its lifecycle (shipping needs its tracking number first)"""
        lifecycle.change_status(order, data["status"], current_user(), data["note"])
        commit_keeping_loaded_state()
        return order


@blp.route("/<uuid:order_id>/add_tracking/")
class AddTracking(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(TrackingSchema)
    @blp.response(200, OrderSchema)
    @blp.doc_errors(400, 404)
    @with_order(lock=True)
    def patch(self, data, order: Order):
        """Staff: record the carrier, tracking number/URL and estimated delivery"""
        return _edit(order, data)


@blp.route("/<uuid:order_id>/pay/")
class Pay(MethodView):
    @blp.auth()
    @idempotent("orders.pay")
    @blp.doc(parameters=[IDEMPOTENCY_HEADER_DOC])
    @blp.arguments(PaySchema)
    @blp.response(200, PaymentSchema)
    @blp.doc_errors(400, 404, 409, 422)
    @with_order(lock=True, own_only=True)
    def post(self, data, order: Order):
        """Pay your order: `dummy` test cards (tok_visa, tok_chargeDeclined, tok_processing) or `manual`"""
        payment = payments.pay(order, data["provider"], data["token"])
        commit_keeping_loaded_state()
        return payment


@blp.route("/<uuid:order_id>/mark_paid/")
class MarkPaid(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(MarkPaidSchema)
    @blp.response(200, PaymentSchema)
    @blp.doc_errors(400, 404, 409)
    @with_order(lock=True)
    def post(self, data, order: Order):
        """Staff: record a manual payment (bank transfer received, cash collected)"""
        payment = payments.mark_paid(order, current_user(), data["note"])
        commit_keeping_loaded_state()
        return payment
