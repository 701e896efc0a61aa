"""Shared pieces of the back-office views: access rules, the model view base, error reporting."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import flash
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import DateTimeBetweenFilter, DateTimeGreaterFilter, DateTimeSmallerFilter
from flask_admin.model import typefmt
from flask_wtf import FlaskForm
from wtforms import StringField

from kastoma.admin.auth import current_staff, deny_access, has_admin_access, has_staff_access
from kastoma.errors import DomainError, ValidationFailed
from kastoma.extensions import db


class StaffAccess:
    """Mixin: staff and admins only; anonymous -> login page, others -> 403."""

    admin_only = False

    def is_accessible(self) -> bool:
        return has_admin_access() if self.admin_only else has_staff_access()

    def inaccessible_callback(self, name: Any, **kwargs: Any) -> Any:
        return deny_access()

    def is_visible(self) -> bool:
        return self.is_accessible()


def _datetime(view: Any, value: datetime, name: str) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


class StaffModelView(StaffAccess, ModelView):
    """A model view with the flask-wtf CSRF token on every form, no deletes, 25 rows a page."""

    column_type_formatters = {**typefmt.BASE_FORMATTERS, datetime: _datetime}
    column_type_formatters_export = {**typefmt.EXPORT_FORMATTERS, datetime: _datetime}

    form_base_class = FlaskForm
    can_delete = False
    can_view_details = True
    page_size = 25

    def __init__(self, model: Any, **kwargs: Any) -> None:
        # The db object, not db.session: Flask-Admin then reads `db.session` on each use.
        super().__init__(model, db, **kwargs)

    @property
    def actor(self) -> Any:
        return current_staff()

    def get_one(self, id: Any) -> Any:
        # Our keys are UUID columns: Flask-Admin hands over the raw string from the URL.
        try:
            key = uuid.UUID(str(id))
        except ValueError:
            return None
        return db.session.get(self.model, key)


def report_domain_error(exc: DomainError) -> None:
    """Undo the failed unit of work and tell the user why, in the service's own words."""
    db.session.rollback()
    message = exc.message
    if isinstance(exc, ValidationFailed) and isinstance(exc.errors, dict):
        details = "; ".join(
            f"{field}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
            for field, msgs in exc.errors.items()
        )
        message = f"{message} {details}"
    flash(message, "error")


def date_filters(column: Any, label: str) -> tuple[Any, ...]:
    """After / before / between filters for a timestamp column (our UTC type is not auto-detected)."""
    return (
        DateTimeGreaterFilter(column, label),
        DateTimeSmallerFilter(column, label),
        DateTimeBetweenFilter(column, label),
    )


def form_payload(form: Any, skip: tuple[str, ...] = ("csrf_token",)) -> dict[str, Any]:
    """A submitted form as the JSON the API would receive, so the API's own schema can validate it."""
    data: dict[str, Any] = {}
    for field in form:
        if field.name in skip:
            continue
        value = field.data
        if value is None and isinstance(field, StringField):
            value = ""  # a text input left out of the post is an empty text, as browsers send it
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.replace(tzinfo=value.tzinfo or UTC).isoformat()
        elif isinstance(value, uuid.UUID):
            value = str(value)
        data[field.name] = value
    return data


def form_integer(value: str) -> int | str:
    """A form's number as the JSON integer the API schemas expect; anything else is left for them to refuse."""
    try:
        return int(value)
    except ValueError:
        return value


def load_with(schema: Any, payload: dict[str, Any], what: str) -> dict[str, Any] | None:
    """Validate with the API's schema; on failure flash every field's messages and return None."""
    import marshmallow as ma

    try:
        return schema.load(payload)
    except ma.ValidationError as exc:
        details = "; ".join(
            f"{field}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
            for field, msgs in exc.messages.items()
        )
        flash(f"The {what} was not saved: {details}", "error")
        return None
