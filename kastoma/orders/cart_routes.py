"""`/api/v1/cart/`: the shopping cart of a user, or of a guest identified by X-Cart-Token."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.extensions import commit_keeping_loaded_state
from kastoma.orders import cart as carts
from kastoma.orders import checkout
from kastoma.orders.idempotency import IDEMPOTENCY_HEADER_DOC, commit_created, idempotent
from kastoma.orders.schemas import (
    AddItemSchema,
    CartQuerySchema,
    CartSchema,
    CheckoutSchema,
    CouponCodeSchema,
    OrderSchema,
    RemoveItemSchema,
    UpdateItemSchema,
)
from kastoma.parsing import parser

blp = Blueprint(
    "cart",
    __name__,
    url_prefix="/api/v1/cart",
    description="The cart: signed-in users have one; guests use the X-Cart-Token header.",
)

NO_STORE = {"Cache-Control": "private, no-store"}


def _current_cart(create: bool = False, for_update: bool = True):
    """The caller's cart (merging a presented guest cart after login), plus a new guest token.
    Locked for the request's writes unless `for_update` is off (reads)."""
    user, token = current_user(), carts.guest_token()
    if user is not None and token:
        carts.merge_guest_cart(user, token)
    if create:
        return carts.get_or_create_cart(user, None if user else token)
    return carts.find_cart(user, None if user else token, for_update=for_update), None


def _respond(cart, new_token: str | None = None, status: int = 200):
    commit_keeping_loaded_state()  # the view reads the cart just written: no reload needed
    headers = dict(NO_STORE)
    if new_token:
        headers[carts.TOKEN_HEADER] = new_token
    shipping = parser.parse(CartQuerySchema(), request, location="query")["shipping_method"]
    return carts.priced(cart, current_user(), shipping), status, headers


@blp.route("/")
class CartDetail(MethodView):
    @blp.auth(optional=True)
    @blp.arguments(CartQuerySchema, location="query")
    @blp.response(200, CartSchema)
    def get(self, query):
        """The cart with live prices, stock and the totals checkout would charge"""
        cart, _ = _current_cart(for_update=False)
        return _respond(cart)


blp.add_url_rule("/my_cart/", endpoint="MyCart", view_func=CartDetail)


@blp.route("/add_item/")
class AddItem(MethodView):
    @blp.auth(optional=True)
    @blp.arguments(AddItemSchema)
    @blp.response(200, CartSchema)
    @blp.doc_errors(400, 404, 409)
    def post(self, data):
        """Add a product (and variant); the whole line quantity is checked against stock"""
        cart, token = _current_cart(create=True)
        carts.add_item(cart, data["product_id"], data["variant_id"], data["quantity"])
        return _respond(cart, token)


@blp.route("/update_item/")
class UpdateItem(MethodView):
    @blp.auth(optional=True)
    @blp.arguments(UpdateItemSchema)
    @blp.response(200, CartSchema)
    @blp.doc_errors(400, 404, 409)
    def patch(self, data):
        """Set a line's quantity (by item id or product/variant); 0 or less removes it"""
        cart, _ = _current_cart()
        line = carts.find_item(cart, data.get("item_id"), data.get("product_id"), data.get("variant_id"))
        carts.set_quantity(cart, line, data["quantity"])
        return _respond(cart)


@blp.route("/remove_item/")
class RemoveItem(MethodView):
    @blp.auth(optional=True)
    @blp.arguments(RemoveItemSchema)
    @blp.response(200, CartSchema)
    @blp.doc_errors(400, 404)
    def delete(self, data):
        """Remove a line (by item id or product/variant)"""
        cart, _ = _current_cart()
        line = carts.find_item(cart, data.get("item_id"), data.get("product_id"), data.get("variant_id"))
        carts.set_quantity(cart, line, 0)
        return _respond(cart)


@blp.route("/items/<uuid:item_id>/")
class CartItemDetail(MethodView):
    @blp.auth(optional=True)
    @blp.response(200, CartSchema)
    @blp.doc_errors(404)
    def delete(self, item_id):
        """Remove a line by its id"""
        cart, _ = _current_cart()
        carts.set_quantity(cart, carts.find_item(cart, item_id), 0)
        return _respond(cart)


@blp.route("/clear/")
class Clear(MethodView):
    @blp.auth(optional=True)
    @blp.response(200, CartSchema)
    def delete(self):
        """Empty the cart"""
        cart, _ = _current_cart()
        if cart is not None:
            carts.clear(cart)
        set_message("Cart cleared.")
        return _respond(cart)


@blp.route("/apply_coupon/")
class ApplyCoupon(MethodView):
    @blp.auth(optional=True)
    @blp.arguments(CouponCodeSchema)
    @blp.response(200, CartSchema)
    @blp.doc_errors(400, 409)
    def post(self, data):
        """Apply a coupon code to the cart (checked against the current cart)"""
        cart, token = _current_cart(create=True)
        carts.apply_coupon(cart, current_user(), data["code"])
        return _respond(cart, token)


@blp.route("/remove_coupon/")
class RemoveCoupon(MethodView):
    @blp.auth(optional=True)
    @blp.response(200, CartSchema)
    def delete(self):
        """Remove the coupon from the cart"""
        cart, _ = _current_cart()
        if cart is not None:
            carts.remove_coupon(cart)
        return _respond(cart)


@blp.route("/checkout/")
class CartCheckout(MethodView):
    @blp.auth()
    @idempotent("orders.create")
    @blp.doc(parameters=[IDEMPOTENCY_HEADER_DOC])
    @blp.arguments(CheckoutSchema)
    @blp.response(201, OrderSchema)
    @blp.doc_errors(400, 404, 409, 422)
    def post(self, data):
        """Place an order from the cart (alias of POST orders/)"""
        return commit_created(checkout.place(current_user(), data), OrderSchema(), NO_STORE)
