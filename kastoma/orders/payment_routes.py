"""`/api/v1/payments/webhook/<provider>/`: signed provider events (HMAC-SHA256, timestamped)."""

from __future__ import annotations

import json

from flask import request
from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.errors import ValidationFailed
from kastoma.orders import lifecycle
from kastoma.orders.payments import SIGNATURE_HEADER, verify_signature
from kastoma.orders.schemas import WebhookAckSchema

blp = Blueprint("payments", __name__, url_prefix="/api/v1/payments", description="Payment provider webhooks.")


@blp.route("/webhook/<string:provider>/")
class Webhook(MethodView):
    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": SIGNATURE_HEADER,
                "required": True,
                "schema": {"type": "string"},
                "description": "t=<unix time>,v1=<hex HMAC-SHA256>",
            }
        ]
    )
    @blp.response(200, WebhookAckSchema)
    @blp.doc_errors(400, 401, 404)
    def post(self, provider: str):
        """Receive a payment event; unsigned, wrongly signed or stale events are refused"""
        body = request.get_data(cache=True)
        verify_signature(request.headers.get(SIGNATURE_HEADER), body)
        try:
            event = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise ValidationFailed(errors={"_schema": ["Invalid JSON body."]}) from exc
        if not isinstance(event, dict):
            raise ValidationFailed(errors={"_schema": ["Expected a JSON object."]})
        applied = lifecycle.handle_webhook(provider, event)
        lifecycle.commit_and_notify()
        return {"received": True, "duplicate": not applied}
