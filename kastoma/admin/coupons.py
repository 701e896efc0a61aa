"""Coupons in the back office: CRUD validated by the API's CouponSchema and saved by the coupon service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, DecimalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from kastoma.admin.base import StaffModelView, date_filters, form_payload, load_with, report_domain_error
from kastoma.errors import DomainError
from kastoma.extensions import db
from kastoma.orders.coupons import create_coupon, update_coupon
from kastoma.orders.models import Coupon
from kastoma.orders.schemas import CouponSchema
from kastoma.orders.totals import DiscountType

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]


class CouponForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired()])
    description = StringField("Description")
    discount_type = SelectField(
        "Discount type", choices=[SelectChoice(t.value, t.value.capitalize()) for t in DiscountType]
    )
    value = DecimalField("Value", places=2, validators=[InputRequired()])
    min_order_amount = DecimalField("Minimum order amount", places=2, default=Decimal("0.00"), validators=[Optional()])
    max_discount = DecimalField("Maximum discount", places=2, validators=[Optional()])
    usage_limit = IntegerField("Total usage limit", validators=[Optional()])
    per_user_limit = IntegerField("Per-user limit", validators=[Optional()])
    valid_from = DateTimeLocalField("Valid from (UTC)", format=DATETIME_FORMATS, validators=[Optional()])
    valid_until = DateTimeLocalField("Valid until (UTC)", format=DATETIME_FORMATS, validators=[Optional()])
    is_active = BooleanField("Active", default=True)


def _payload(form: FlaskForm) -> dict[str, Any]:
    data = form_payload(form)
    if data.get("min_order_amount") is None:
        data["min_order_amount"] = "0.00"
    return data


class CouponView(StaffModelView):
    form = CouponForm
    can_delete = False
    column_list = (
        "code",
        "discount_type",
        "value",
        "min_order_amount",
        "times_used",
        "usage_limit",
        "valid_until",
        "is_active",
    )
    column_searchable_list = ("code", "description")
    column_default_sort = ("created_at", True)
    column_formatters = {"discount_type": lambda v, c, m, n: m.discount_type.value}

    def __init__(self, **kwargs: Any) -> None:
        self.column_filters = ("is_active", *date_filters(Coupon.valid_until, "Valid until"))
        super().__init__(Coupon, **kwargs)

    def _validated(self, form: FlaskForm) -> dict[str, Any] | None:
        return load_with(CouponSchema(), _payload(form), "coupon")

    def create_model(self, form: FlaskForm) -> Any:
        data = self._validated(form)
        if data is None:
            return False
        try:
            coupon = create_coupon(data)
            db.session.commit()
        except DomainError as exc:
            report_domain_error(exc)
            return False
        return coupon

    def update_model(self, form: FlaskForm, model: Coupon) -> bool:
        data = self._validated(form)
        if data is None:
            return False
        try:
            update_coupon(model, data)
            db.session.commit()
        except DomainError as exc:
            report_domain_error(exc)
            return False
        return True
