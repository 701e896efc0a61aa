"""`/api/v1/users/`: staff search and manage accounts; only admins change roles."""

from __future__ import annotations

from uuid import UUID

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.extensions import db
from kastoma.roles import Role
from kastoma.users import services
from kastoma.users.schemas import StaffUserUpdateSchema, UserListQuerySchema, UserSchema

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
        return services.search_users(**query)


@blp.route("/<uuid:user_id>/")
class UserDetail(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, UserSchema)
    @blp.doc_errors(404)
    def get(self, user_id: UUID):
        """One account"""
        return services.get_user(user_id)

    @blp.auth(Role.STAFF)
    @blp.arguments(StaffUserUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, user_id: UUID):
        """Activate/deactivate an account or edit names; admins may change the role"""
        user = services.staff_update_user(current_user(), services.get_user(user_id), data)
        db.session.commit()
        return user
