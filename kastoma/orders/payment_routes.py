"""`/api/v1/payments/webhook/<provider>/`: signed provider events (HMAC-SHA256, timestamped)."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.errors import ValidationFailed
from kastoma.extensions import commit_keeping_loaded_state
from kastoma.orders import payments
from kastoma.orders.providers import SIGNATURE_HEADER, verify_signature
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
            event = current_app.json.loads(body)
        except ValueError as exc:
            raise ValidationFailed(errors={"_schema": ["Invalid JSON body."]}) from exc
        applied = payments.handle_webhook(provider, event)
        commit_keeping_loaded_state()
        return {"received": True, "duplicate": not applied}
