"""`/api/v1/core/site-settings/`: every site setting for staff, typed (the public subset stays
readable by anyone at `core/settings/`)."""

from __future__ import annotations

from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.core import settings
from kastoma.core.schemas import SiteSettingCreateSchema, SiteSettingSchema
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.roles import Role

blp = Blueprint(
    "site_settings", __name__, url_prefix="/api/v1/core/site-settings", description="Site settings (staff)."
)


@blp.route("/")
class SiteSettings(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, SiteSettingSchema(many=True))
    def get(self):
        """Staff: every setting with its typed value, type, visibility and whether it is the default"""
        return settings.setting_views()

    @blp.auth(Role.STAFF)
    @blp.arguments(SiteSettingCreateSchema)
    @blp.response(201, SiteSettingSchema)
    @blp.doc_errors(400, 409)
    def post(self, data):
        """Staff: add a setting of the shop's own (shipped ones are edited with PATCH)"""
        view = settings.create_setting(data)
        db.session.commit()
        return view


@blp.route("/<string:key>/")
class SiteSettingDetail(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, SiteSettingSchema)
    @blp.doc_errors(404)
    def get(self, key: str):
        """Staff: one setting"""
        return settings.setting_view(key)

    @blp.auth(Role.STAFF)
    @blp.arguments(SiteSettingSchema)
    @blp.response(200, SiteSettingSchema)
    @blp.doc_errors(400, 404)
    def put(self, data, key: str):
        """Staff: set a setting's value (of its type), visibility and description"""
        return _updated(key, data)

    @blp.auth(Role.STAFF)
    @blp.arguments(SiteSettingSchema(partial=True))
    @blp.response(200, SiteSettingSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, key: str):
        """Staff: change a setting's value (of its type), visibility or description"""
        return _updated(key, data)

    @blp.auth(Role.STAFF)
    @blp.response(200, SiteSettingSchema)
    @blp.doc_errors(404)
    def delete(self, key: str):
        """Staff: a shipped setting back to its default; one of the shop's own removed"""
        view = settings.delete_setting(key)
        db.session.commit()
        set_message("Setting reset to its default." if view.is_default else "Setting removed.")
        return view


def _updated(key: str, data: dict):
    view = settings.update_setting(key, data)
    db.session.commit()
    return view
