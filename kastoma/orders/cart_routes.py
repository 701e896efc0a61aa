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
    CartFieldsReplaceSchema,
    CartFieldsSchema,
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
    shipping = parser.parse(CartQuerySchema(), request, location="query").get("shipping_method")
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

    @blp.auth(optional=True)
    @blp.response(200, CartSchema, description="The cart existed.")
    @blp.alt_response(201, schema=CartSchema, description="The cart was created (a guest gets its X-Cart-Token).")
    def post(self):
        """Open the caller's cart: the existing one (200), or a new one (201)"""
        cart, token, created = carts.open_cart(current_user(), carts.guest_token())
        return _respond(cart, token, 201 if created else 200)


blp.add_url_rule("/my_cart/", endpoint="MyCart", view_func=CartDetail)


@blp.route("/<uuid:cart_id>/")
class CartById(MethodView):
    @blp.auth(optional=True)
    @blp.arguments(CartQuerySchema, location="query")
    @blp.response(200, CartSchema)
    @blp.doc_errors(404)
    def get(self, query, cart_id):
        """Your cart, by its id (anyone else's is a 404)"""
        return _respond(carts.own_cart(current_user(), carts.guest_token(), cart_id))

    @blp.auth(optional=True)
    @blp.arguments(CartFieldsReplaceSchema)
    @blp.response(200, CartSchema)
    @blp.doc_errors(400, 404, 409)
    def put(self, data, cart_id):
        """Set your cart's coupon and shipping method (left out: none)"""
        return _set_fields(cart_id, data)

    @blp.auth(optional=True)
    @blp.arguments(CartFieldsSchema)
    @blp.response(200, CartSchema)
    @blp.doc_errors(400, 404, 409)
    def patch(self, data, cart_id):
        """Change your cart's coupon or shipping method"""
        return _set_fields(cart_id, data)

    @blp.auth(optional=True)
    @blp.response(200, CartSchema)
    @blp.doc_errors(404)
    def delete(self, cart_id):
        """Empty and close your cart (the next add opens a new one)"""
        carts.close(carts.own_cart(current_user(), carts.guest_token(), cart_id, for_update=True))
        set_message("Cart closed.")
        return _respond(None)


def _set_fields(cart_id, data: dict):
    user = current_user()
    cart = carts.own_cart(user, carts.guest_token(), cart_id, for_update=True)
    carts.set_fields(cart, user, data)
    return _respond(cart)


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
