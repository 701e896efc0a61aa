"""`/api/v1/addresses/`: the signed-in user's saved addresses."""

from __future__ import annotations

from uuid import UUID

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.schemas import MessageSchema
from kastoma.users import addresses
from kastoma.users.schemas import AddressSchema

blp = Blueprint("addresses", __name__, url_prefix="/api/v1/addresses", description="Saved addresses.")


def _update(address_id: UUID, data: dict):
    user = current_user()
    address = addresses.update_address(user, addresses.get_address(user, address_id), data)
    db.session.commit()
    return address


@blp.route("/")
class Addresses(MethodView):
    @blp.auth()
    @blp.response(200, AddressSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        """List saved addresses"""
        return addresses.list_addresses(current_user())

    @blp.auth()
    @blp.arguments(AddressSchema)
    @blp.response(201, AddressSchema)
    @blp.doc_errors(400, 409)
    def post(self, data):
        """Save an address (the first one becomes the default shipping and billing address)"""
        address = addresses.create_address(current_user(), data)
        db.session.commit()
        return address


@blp.route("/<uuid:address_id>/")
class AddressDetail(MethodView):
    @blp.auth()
    @blp.response(200, AddressSchema)
    @blp.doc_errors(404)
    def get(self, address_id: UUID):
        """One saved address"""
        return addresses.get_address(current_user(), address_id)

    @blp.auth()
    @blp.arguments(AddressSchema(partial=True))
    @blp.response(200, AddressSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, address_id: UUID):
        """Update an address; setting a default flag moves it from the previous default"""
        return _update(address_id, data)

    @blp.auth()
    @blp.arguments(AddressSchema)
    @blp.response(200, AddressSchema)
    @blp.doc_errors(400, 404)
    def put(self, data, address_id: UUID):
        """Replace an address"""
        return _update(address_id, data)

    @blp.auth()
    @blp.response(200, MessageSchema)
    @blp.doc_errors(404)
    def delete(self, address_id: UUID):
        """Delete an address"""
        addresses.delete_address(addresses.get_address(current_user(), address_id))
        db.session.commit()
        set_message("Address deleted.")
        return {"detail": "Address deleted."}
