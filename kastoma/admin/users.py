"""Users in the back office: search, activate/deactivate, roles (admins only, enforced by the service)."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from kastoma.admin.base import StaffModelView, date_filters, report_domain_error
from kastoma.errors import DomainError
from kastoma.extensions import db
from kastoma.roles import Role
from kastoma.users.models import User
from kastoma.users.staff import staff_update_user

PUBLIC_COLUMNS = ("email", "username", "first_name", "last_name", "role", "is_active", "last_login_at", "created_at")


class UserForm(FlaskForm):
    first_name = StringField("First name")
    last_name = StringField("Last name")
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role])
    is_active = BooleanField("Active")


class UserView(StaffModelView):
    can_create = False
    can_export = False  # personal data stays in the console
    form = UserForm
    # Password hashes and token versions are never listed, shown, searched or exported.
    column_list = PUBLIC_COLUMNS
    column_details_list = PUBLIC_COLUMNS
    column_searchable_list = ("email", "username", "first_name", "last_name")
    column_sortable_list = ("email", "username", "role", "is_active", "last_login_at", "created_at")
    column_default_sort = ("created_at", True)
    column_formatters = {"role": lambda v, c, m, n: m.role.value}

    def __init__(self, **kwargs: Any) -> None:
        self.column_filters = (
            FilterEqual(User.role, "Role", options=[(r.value, r.value.capitalize()) for r in Role]),
            "is_active",
            *date_filters(User.created_at, "Joined"),
        )
        super().__init__(User, **kwargs)

    def update_model(self, form: FlaskForm, model: User) -> bool:
        # Only the fields that changed reach the service, so a staff member can still edit names of
        # anyone while the service alone decides about roles and (de)activation.
        wanted = {"first_name": form.first_name.data or "", "last_name": form.last_name.data or ""}
        if form.role.data != model.role.value:
            wanted["role"] = Role(form.role.data)
        if bool(form.is_active.data) != model.is_active:
            wanted["is_active"] = bool(form.is_active.data)
        try:
            staff_update_user(self.actor, model, wanted)
            db.session.commit()
        except DomainError as exc:
            report_domain_error(exc)
            return False
        return True

    @action("deactivate", "Deactivate", "Deactivate the selected accounts? They are signed out everywhere.")
    def action_deactivate(self, ids: list[str]) -> None:
        self._set_active(ids, active=False)

    @action("activate", "Activate")
    def action_activate(self, ids: list[str]) -> None:
        self._set_active(ids, active=True)

    def _set_active(self, ids: list[str], *, active: bool) -> None:
        changed = 0
        for user in filter(None, (self.get_one(i) for i in ids)):
            try:
                staff_update_user(self.actor, user, {"is_active": active})
                db.session.commit()
                changed += 1
            except DomainError as exc:
                report_domain_error(exc)
        flash(f"{changed} account(s) {'activated' if active else 'deactivated'}.", "success")
