"""`/api/v1/core/`: the public site settings a storefront needs."""

from __future__ import annotations

from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.core.schemas import PublicSettingsSchema, json_value
from kastoma.core.settings import all_settings

blp = Blueprint("core", __name__, url_prefix="/api/v1/core", description="Store-wide settings.")


@blp.route("/settings/")
class PublicSettings(MethodView):
    @blp.response(200, PublicSettingsSchema)
    def get(self):
        """Public store settings (name, currency, shipping rates, tax rate)"""
        return {"settings": {k: json_value(v) for k, v in all_settings(public_only=True).items()}}
