"""`/api/v1/core/`: the public site settings a storefront needs."""

from __future__ import annotations

from decimal import Decimal

from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.core.schemas import PublicSettingsSchema
from kastoma.core.settings import all_settings

blp = Blueprint("core", __name__, url_prefix="/api/v1/core", description="Store-wide settings.")


def _json_value(value: object) -> object:
    # Money and rates are strings with their exact decimals, like every amount in the API.
    return f"{value:.2f}" if isinstance(value, Decimal) else value


@blp.route("/settings/")
class PublicSettings(MethodView):
    @blp.response(200, PublicSettingsSchema)
    def get(self):
        """Public store settings (name, currency, shipping rates, tax rate)"""
        return {"settings": {k: _json_value(v) for k, v in all_settings(public_only=True).items()}}
