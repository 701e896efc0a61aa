"""`/api/v1/profiles/`: profiles as a resource: staff list and edit any, owners their own (others
get the 404 of a missing profile); DELETE clears the details, the account stays."""

from __future__ import annotations

from uuid import UUID

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.roles import Role
from kastoma.users import profiles
from kastoma.users.schemas import ProfileQuerySchema, ProfileSchema

blp = Blueprint("profiles", __name__, url_prefix="/api/v1/profiles", description="Profiles (staff: every one).")


@blp.route("/")
class Profiles(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(ProfileQuerySchema, location="query")
    @blp.response(200, ProfileSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc_errors(400)
    def get(self, query):
        """Staff: profiles, newest accounts first; search and filter by newsletter choices and avatar"""
        return profiles.list_profiles(query)

    @blp.auth()
    @blp.response(201, ProfileSchema)
    @blp.doc_errors(409)
    def post(self):
        """Create your profile if your account has none (409 profile_exists otherwise)"""
        profile = profiles.create_own_profile(current_user())
        db.session.commit()
        return profile


@blp.route("/<uuid:profile_id>/")
class ProfileDetail(MethodView):
    @blp.auth()
    @blp.response(200, ProfileSchema)
    @blp.doc_errors(404)
    def get(self, profile_id: UUID):
        """A profile: yours, or any for staff"""
        return profiles.get_profile(current_user(), profile_id)

    @blp.auth()
    @blp.arguments(ProfileSchema)
    @blp.response(200, ProfileSchema)
    @blp.doc_errors(400, 404)
    def put(self, data, profile_id: UUID):
        """Set every detail of a profile (the ones left out are emptied)"""
        return _saved(profiles.replace_profile(profiles.get_profile(current_user(), profile_id), data))

    @blp.auth()
    @blp.arguments(ProfileSchema(partial=True))
    @blp.response(200, ProfileSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, profile_id: UUID):
        """Change some details of a profile"""
        return _saved(profiles.update_profile(profiles.get_profile(current_user(), profile_id), data))

    @blp.auth()
    @blp.response(200, ProfileSchema)
    @blp.doc_errors(404)
    def delete(self, profile_id: UUID):
        """Clear a profile's details and avatar (the account stays)"""
        profile = _saved(profiles.clear_profile(profiles.get_profile(current_user(), profile_id)))
        set_message("Profile cleared.")
        return profile


def _saved(profile):
    db.session.commit()
    return profile
