"""`/api/v1/users/`: staff search, create and manage accounts; only admins change roles or
create staff accounts; DELETE deactivates."""

from __future__ import annotations

from uuid import UUID

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.roles import Role
from kastoma.users import staff
from kastoma.users.schemas import (
    StaffUserCreateSchema,
    StaffUserReplaceSchema,
    StaffUserUpdateSchema,
    UserListQuerySchema,
    UserSchema,
)

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Account management for staff.")


@blp.route("/")
class Users(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(UserListQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc_errors(400)
    def get(self, query):
        """Search accounts by email, username or name; filter by active flag and role"""
        return staff.search_users(**query)

    @blp.auth(Role.STAFF)
    @blp.arguments(StaffUserCreateSchema)
    @blp.response(201, UserSchema)
    @blp.doc_errors(400)
    def post(self, data):
        """Create an account (staff accounts: admins only); without a password it gets a link to choose one"""
        user = staff.staff_create_user(current_user(), data)
        db.session.commit()
        set_message(
            "Account created." if data.get("password") else "Account created; a link to choose a password was mailed."
        )
        return user


@blp.route("/<uuid:user_id>/")
class UserDetail(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, UserSchema)
    @blp.doc_errors(404)
    def get(self, user_id: UUID):
        """One account"""
        return staff.get_user(user_id)

    @blp.auth(Role.STAFF)
    @blp.arguments(StaffUserReplaceSchema)
    @blp.response(200, UserSchema)
    @blp.doc_errors(400, 404)
    def put(self, data, user_id: UUID):
        """Set an account's state, names and role (admins only for the role)"""
        return _update(user_id, data)

    @blp.auth(Role.STAFF)
    @blp.arguments(StaffUserUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, user_id: UUID):
        """Activate/deactivate an account or edit names; admins may change the role"""
        return _update(user_id, data)

    @blp.auth(Role.STAFF)
    @blp.response(200, UserSchema)
    @blp.doc_errors(404, 409)
    def delete(self, user_id: UUID):
        """Deactivate an account (accounts are never deleted: orders refer to them); never your own"""
        user = staff.staff_delete_user(current_user(), staff.get_user(user_id))
        db.session.commit()
        set_message("Account deactivated.")
        return user


def _update(user_id: UUID, data: dict):
    user = staff.staff_update_user(current_user(), staff.get_user(user_id), data)
    db.session.commit()
    return user
