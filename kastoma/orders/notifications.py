"""The customer's order e-mails: asked for by the lifecycle, sent by a job once the change that
caused them has committed (a rolled-back change sends nothing)."""

from __future__ import annotations

import uuid

from kastoma.core.emails import send_templated_email
from kastoma.extensions import db
from kastoma.jobs import enqueue, job
from kastoma.orders.models import Order

PLACED = "placed"  # the order confirmation; every other event is a status value


def notify(order: Order, event: str, note: str = "") -> None:
    """Mail the customer about `event` (PLACED or a status) after the commit."""
    enqueue("orders.email", order_id=str(order.id), event=event, note=note)


@job("orders.email")
def send_order_email(order_id: str, event: str, note: str = "") -> None:
    order = db.session.get(Order, uuid.UUID(order_id))
    if order is None:
        return
    template = "order_confirmation" if event == PLACED else "order_status"
    send_templated_email(template, order.email, {"order": order, "status": event, "note": note})
