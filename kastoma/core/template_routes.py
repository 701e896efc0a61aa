"""`/api/v1/core/email-templates/`: the e-mails Kastoma sends, as staff edit them (rendered in a
sandbox; every change checked with sample data; DELETE restores the shipped default)."""

from __future__ import annotations

from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.core import template_editing as templates
from kastoma.core.schemas import (
    EmailPreviewRequestSchema,
    EmailPreviewSchema,
    EmailTemplateCreateSchema,
    EmailTemplateReplaceSchema,
    EmailTemplateSchema,
)
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.roles import Role

blp = Blueprint(
    "email_templates", __name__, url_prefix="/api/v1/core/email-templates", description="Email templates (staff)."
)


@blp.route("/")
class EmailTemplates(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, EmailTemplateSchema(many=True))
    def get(self):
        """Staff: every template Kastoma sends (stored, or as shipped)"""
        return templates.list_templates()

    @blp.auth(Role.STAFF)
    @blp.arguments(EmailTemplateCreateSchema)
    @blp.response(201, EmailTemplateSchema)
    @blp.doc_errors(400, 409)
    def post(self, data):
        """Staff: store a template for one of the e-mails Kastoma sends"""
        template = templates.create_template(data)
        db.session.commit()
        return template


@blp.route("/<string:name>/")
class EmailTemplateDetail(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, EmailTemplateSchema)
    @blp.doc_errors(404)
    def get(self, name: str):
        """Staff: one template"""
        return templates.get_template(name)

    @blp.auth(Role.STAFF)
    @blp.arguments(EmailTemplateReplaceSchema)
    @blp.response(200, EmailTemplateSchema)
    @blp.doc_errors(400, 404)
    def put(self, data, name: str):
        """Staff: replace a template (checked by rendering it with sample data)"""
        return _updated(name, data)

    @blp.auth(Role.STAFF)
    @blp.arguments(EmailTemplateSchema(partial=True))
    @blp.response(200, EmailTemplateSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, name: str):
        """Staff: change parts of a template (checked by rendering it with sample data)"""
        return _updated(name, data)

    @blp.auth(Role.STAFF)
    @blp.response(200, EmailTemplateSchema)
    @blp.doc_errors(404)
    def delete(self, name: str):
        """Staff: restore the shipped default"""
        template = templates.restore_default(name)
        db.session.commit()
        set_message("Template restored to the shipped default.")
        return template


@blp.route("/<string:name>/preview/")
class EmailTemplatePreview(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(EmailPreviewRequestSchema, required=False)
    @blp.response(200, EmailPreviewSchema)
    @blp.doc_errors(400, 404)
    def post(self, draft, name: str):
        """Staff: the template rendered with sample data (parts sent in the body replace its own)"""
        return templates.preview(name, draft)


def _updated(name: str, data: dict):
    template = templates.update_template(name, data)
    db.session.commit()
    return template
