"""Orders in the back office: a filtered list, a detail page and the lifecycle actions.

Every action calls the same `orders.lifecycle` services as the API; `orders/state.py` decides
what is allowed and this module only reports its answer.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kastoma.admin.base import StaffModelView, date_filters, report_domain_error
from kastoma.errors import DomainError
from kastoma.extensions import db
from kastoma.orders import lifecycle, payments
from kastoma.orders.enums import OrderStatus, PaymentStatus
from kastoma.orders.models import Order
from kastoma.orders.state import allowed_moves
from kastoma.users.models import User

# action name -> (button label, target status or None for payment actions, button style)
ACTIONS: dict[str, tuple[str, OrderStatus | None, str]] = {
    "confirm": ("Confirm", OrderStatus.CONFIRMED, "primary"),
    "process": ("Start processing", OrderStatus.PROCESSING, "primary"),
    "ship": ("Ship", OrderStatus.SHIPPED, "primary"),
    "deliver": ("Mark delivered", OrderStatus.DELIVERED, "success"),
    "cancel": ("Cancel order", OrderStatus.CANCELLED, "danger"),
    "refund": ("Refund", OrderStatus.REFUNDED, "warning"),
    "mark_paid": ("Mark paid", None, "success"),
}
TRACKING_FIELDS = ("carrier", "tracking_number", "tracking_url")


def _choices(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ").capitalize()) for member in enum]


def apply_action(order: Order, action: str, actor: User, form: dict[str, str]) -> None:
    """Run one lifecycle action (raises DomainError when the state machine says no). Never commits."""
    note = (form.get("note") or "").strip()
    if action == "mark_paid":
        payments.mark_paid(order, actor, note)
        return
    target = ACTIONS[action][1]
    if action == "ship":
        # The form's tracking fields, written as the API's add_tracking writes them; the lifecycle
        # refuses to ship without a number.
        tracking = {field: (form.get(field) or "").strip() for field in TRACKING_FIELDS}
        lifecycle.update_details(order, {field: value for field, value in tracking.items() if value})
    if action == "cancel":
        lifecycle.cancel_order(order, actor, by_staff=True, note=note)
    else:
        lifecycle.change_status(order, target, actor, note)


class OrderView(StaffModelView):
    can_create = False
    can_edit = False
    can_export = True
    details_template = "admin_kastoma/order_details.html"
    column_list = ("order_number", "created_at", "email", "status", "payment_status", "payment_method", "total")
    column_default_sort = ("created_at", True)
    column_sortable_list = ("order_number", "created_at", "email", "status", "payment_status", "total")
    column_searchable_list = ("order_number", "email")
    column_labels = {"email": "Customer email", "created_at": "Placed"}
    column_formatters = {
        "status": lambda v, c, m, n: m.status.value,
        "payment_status": lambda v, c, m, n: m.payment_status.value,
        "total": lambda v, c, m, n: f"{m.currency} {m.total:.2f}",
    }
    # No addresses, notes or payment references in the export: order facts only.
    column_export_list = (
        "order_number",
        "created_at",
        "status",
        "payment_status",
        "payment_method",
        "shipping_method",
        "currency",
        "subtotal",
        "discount_amount",
        "shipping_cost",
        "tax_amount",
        "total",
        "coupon_code",
    )
    column_formatters_export = {
        "status": lambda v, c, m, n: m.status.value,
        "payment_status": lambda v, c, m, n: m.payment_status.value,
        "shipping_method": lambda v, c, m, n: m.shipping_method.value,
    }

    def __init__(self, **kwargs: Any) -> None:
        self.column_filters = (
            FilterEqual(Order.status, "Status", options=_choices(OrderStatus)),
            FilterEqual(Order.payment_status, "Payment status", options=_choices(PaymentStatus)),
            *date_filters(Order.created_at, "Placed"),
            FilterLike(Order.email, "Customer email"),
        )
        super().__init__(Order, **kwargs)

    def status_filter_url(self, status: str) -> str:
        """The list filtered by one status (used by the dashboard)."""
        return self._filter_url(0, status)

    def _filter_url(self, index: int, value: str) -> str:
        for i, flt in enumerate(self._filters):
            if i == index:
                return self.get_url(f"{self.endpoint}.index_view", **{f"flt0_{self.get_filter_arg(i, flt)}": value})
        return self.get_url(f"{self.endpoint}.index_view")

    def _load(self, order_id: str) -> Order:
        try:
            key = uuid.UUID(order_id)
        except ValueError:
            abort(404)
        order = db.session.scalar(
            select(Order)
            .where(Order.id == key)
            .options(selectinload(Order.items), selectinload(Order.payments), selectinload(Order.history))
        )
        if order is None:
            abort(404)
        return order

    @expose("/details/")
    def details_view(self) -> Any:
        order_id = request.args.get("id", "")
        order = self._load(order_id)
        moves = allowed_moves(OrderStatus(order.status), by_staff=True)
        actions = [
            (name, label, style)
            for name, (label, target, style) in ACTIONS.items()
            if (target in moves) or (name == "mark_paid" and payments.can_mark_paid(order))
        ]
        return self.render(
            self.details_template,
            order=order,
            actions=actions,
            all_actions=ACTIONS,
            return_url=url_for(".index_view"),
        )

    @expose("/transition/<order_id>/", methods=["POST"])
    def order_action(self, order_id: str) -> Any:
        action = request.form.get("action", "")
        if action not in ACTIONS:
            abort(400)
        order = self._load(order_id)
        try:
            apply_action(order, action, self.actor, request.form)
            db.session.commit()
        except DomainError as exc:
            report_domain_error(exc)
        else:
            flash(
                f"Order {order.order_number}: {ACTIONS[action][0].lower()} done — now {order.status.value}.", "success"
            )
        return redirect(url_for(".details_view", id=order_id))
