"""`/api/v1/wishlists/` and `/api/v1/wishlist/` (the default one)."""

from __future__ import annotations

from uuid import UUID

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.schemas import MessageSchema
from kastoma.wishlists import services as wishlists
from kastoma.wishlists.schemas import WishlistItemSchema, WishlistSchema

blp = Blueprint("wishlists", __name__, url_prefix="/api/v1", description="Wishlists (public ones are shareable).")


@blp.route("/wishlists/")
class Wishlists(MethodView):
    @blp.auth()
    @blp.response(200, WishlistSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        """The signed-in user's wishlists, the default one first"""
        return wishlists.list_wishlists(current_user())

    @blp.auth()
    @blp.arguments(WishlistSchema)
    @blp.response(201, WishlistSchema)
    @blp.doc_errors(400, 409)
    def post(self, data):
        """Create a named wishlist"""
        wishlist = wishlists.create_wishlist(current_user(), data)
        db.session.commit()
        return wishlist


@blp.route("/wishlist/")
class DefaultWishlist(MethodView):
    @blp.auth()
    @blp.response(200, WishlistSchema)
    def get(self):
        """The signed-in user's default wishlist"""
        wishlist = wishlists.default_wishlist(current_user())
        db.session.commit()
        return wishlist


@blp.route("/wishlists/<uuid:wishlist_id>/")
class WishlistDetail(MethodView):
    @blp.auth(optional=True)
    @blp.response(200, WishlistSchema)
    @blp.doc_errors(404)
    def get(self, wishlist_id: UUID):
        """A wishlist: your own, or anyone's public one"""
        return wishlists.get_wishlist(wishlist_id, current_user())

    @blp.auth()
    @blp.arguments(WishlistSchema(partial=True))
    @blp.response(200, WishlistSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, wishlist_id: UUID):
        """Rename a wishlist or make it public/private"""
        wishlist = wishlists.update_wishlist(wishlists.get_wishlist(wishlist_id, current_user(), for_update=True), data)
        db.session.commit()
        return wishlist

    @blp.auth()
    @blp.response(200, MessageSchema)
    @blp.doc_errors(400, 404)
    def delete(self, wishlist_id: UUID):
        """Delete a wishlist (not the default one)"""
        wishlists.delete_wishlist(wishlists.get_wishlist(wishlist_id, current_user(), for_update=True))
        db.session.commit()
        set_message("Wishlist deleted.")
        return {"detail": "Wishlist deleted."}


@blp.route("/wishlists/<uuid:wishlist_id>/items/")
class WishlistItems(MethodView):
    @blp.auth()
    @blp.arguments(WishlistItemSchema)
    @blp.response(201, WishlistItemSchema)
    @blp.doc_errors(400, 404, 409)
    def post(self, data, wishlist_id: UUID):
        """Add a product (and optional variant) to a wishlist"""
        item = wishlists.add_item(wishlists.get_wishlist(wishlist_id, current_user(), for_update=True), data)
        db.session.commit()
        return item


@blp.route("/wishlists/<uuid:wishlist_id>/items/<uuid:item_id>/")
class WishlistItemDetail(MethodView):
    @blp.auth()
    @blp.response(200, MessageSchema)
    @blp.doc_errors(404)
    def delete(self, wishlist_id: UUID, item_id: UUID):
        """Remove an item from a wishlist"""
        wishlists.remove_item(wishlists.get_wishlist(wishlist_id, current_user(), for_update=True), item_id)
        db.session.commit()
        return {"detail": "Item removed."}
