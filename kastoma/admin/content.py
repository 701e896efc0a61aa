"""Site settings (typed values via the settings service) and email templates (sandboxed preview)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired

from kastoma.admin.base import StaffModelView, report_domain_error
from kastoma.core.emails import render_template
from kastoma.core.models import EmailTemplate, SiteSetting
from kastoma.core.settings import parse_value, set_setting
from kastoma.core.template_editing import SAMPLE_CONTEXT, check_renders
from kastoma.errors import DomainError, ValidationFailed
from kastoma.extensions import db


class SettingForm(FlaskForm):
    value = TextAreaField("Value")


class SiteSettingView(StaffModelView):
    can_create = False
    form = SettingForm
    column_list = ("key", "value", "value_type", "is_public", "description")
    column_searchable_list = ("key", "description")
    column_default_sort = "key"
    column_formatters = {"value_type": lambda v, c, m, n: m.value_type.value}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(SiteSetting, name="Site settings", **kwargs)

    def update_model(self, form: FlaskForm, model: SiteSetting) -> bool:
        raw = form.value.data or ""
        try:
            try:
                value = parse_value(model.value_type, raw)
            except (ValueError, TypeError) as exc:
                raise ValidationFailed(f"Not a valid {model.value_type.value}.", errors={"value": [str(exc)]}) from exc
            set_setting(model.key, value)
            db.session.commit()
        except DomainError as exc:
            report_domain_error(exc)
            return False
        return True


class EmailTemplateForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired()])
    description = StringField("Description")
    subject = StringField("Subject", validators=[InputRequired()])
    body_text = TextAreaField("Text body", validators=[InputRequired()], render_kw={"rows": 12})
    body_html = TextAreaField("HTML body", render_kw={"rows": 12})
    is_active = BooleanField("Active", default=True)


class EmailTemplateView(StaffModelView):
    # Templates go to every customer: only administrators edit them.
    admin_only = True
    form = EmailTemplateForm
    column_list = ("name", "subject", "description", "is_active", "updated_at", "preview")
    column_searchable_list = ("name", "subject")
    column_default_sort = "name"
    column_formatters = {
        "preview": lambda v, c, m, n: Markup('<a href="{}">Preview</a>').format(v.get_url(".preview", id=m.id))
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(EmailTemplate, name="Email templates", **kwargs)

    def _check_renders(self, form: FlaskForm) -> bool:
        try:
            check_renders(form.subject.data, form.body_text.data, form.body_html.data or "")
        except ValidationFailed as exc:
            report_domain_error(exc)
            return False
        return True

    def create_model(self, form: FlaskForm) -> Any:
        if not self._check_renders(form):
            return False
        return super().create_model(form)

    def update_model(self, form: FlaskForm, model: EmailTemplate) -> bool:
        if not self._check_renders(form):
            return False
        return super().update_model(form, model)

    @expose("/preview/")
    def preview(self) -> Any:
        template = db.session.get(EmailTemplate, _uuid(request.args.get("id", "")))
        if template is None:
            abort(404)
        try:
            rendered = render_template(template, SAMPLE_CONTEXT)
        except ValidationFailed as exc:
            flash(f"{exc.message} {exc.errors}", "error")
            rendered = None
        return self.render(
            "admin_kastoma/email_preview.html",
            email_template=template,
            rendered=rendered,
            return_url=url_for(".index_view"),
        )


def _uuid(raw: str) -> Any:
    try:
        return uuid.UUID(raw)
    except ValueError:
        abort(404)
