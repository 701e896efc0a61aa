"""Email templates as staff edit them: stored rows over the shipped defaults, every change
checked by rendering it (sandboxed) with sample data, a preview, and a way back to the default.

Functions take plain data, raise DomainErrors and never commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kastoma.core.emails import builtin_template, builtin_template_names, render_template
from kastoma.core.models import EmailTemplate
from kastoma.errors import Conflict, NotFound, ValidationFailed
from kastoma.extensions import db

EDITABLE = ("subject", "body_text", "body_html", "description", "is_active")

# Sample data for previews and checks: enough for every shipped template.
SAMPLE_CONTEXT: dict[str, Any] = {
    "user": {"first_name": "Cara", "last_name": "Customer", "username": "cara", "email": "cara@example.com"},
    "order": {
        "order_number": "KAS-20260101-PREVIEW",
        "status": "confirmed",
        "total": "42.00",
        "currency": "USD",
        "items": [{"product_name": "Sample product", "quantity": 2, "unit_price": "21.00", "line_total": "42.00"}],
        "tracking_number": "TRACK123",
        "carrier": "Carrier",
    },
    "status": "shipped",
    "note": "A note from the shop.",
    "token": "preview-token",
    "reset_url": "https://shop.example.com/reset?token=preview",
    "confirm_url": "https://shop.example.com/confirm?token=preview",
    "expires_minutes": 60,
    "expires_hours": 24,
    "new_email": "new-address@example.com",
    "attempt": "create an account",
    "username": "cara",
    "first_name": "Cara",
}


def check_renders(subject: str, body_text: str, body_html: str = "") -> dict[str, str]:
    """Render a template's parts with the sample data: a broken or hostile one is a 400."""
    rendered = render_template(EmailTemplate(subject=subject, body_text=body_text, body_html=body_html), SAMPLE_CONTEXT)
    return {"subject": rendered.subject, "body_text": rendered.body_text, "body_html": rendered.body_html}


def list_templates() -> list[EmailTemplate]:
    """Every template: the stored ones, and the shipped ones not stored yet (as they ship)."""
    stored = {row.name: row for row in db.session.scalars(select(EmailTemplate))}
    shipped = [stored.get(name) or builtin_template(name) for name in builtin_template_names()]
    return [*shipped, *(row for name, row in sorted(stored.items()) if name not in builtin_template_names())]


def get_template(name: str) -> EmailTemplate:
    """The stored template `name`, else the shipped one (not stored); 404 for an unknown name."""
    row = db.session.scalar(select(EmailTemplate).where(EmailTemplate.name == name))
    if row is not None:
        return row
    shipped = builtin_template(name) if name in builtin_template_names() else None
    if shipped is None:
        raise NotFound(f"No email template named {name!r}.")
    return shipped


def create_template(data: dict[str, Any]) -> EmailTemplate:
    """Store a template for a shipped name (Kastoma sends no other)."""
    name = data["name"]
    if name not in builtin_template_names():
        raise ValidationFailed(errors={"name": [f"Kastoma sends {', '.join(builtin_template_names())}."]})
    if db.session.scalar(select(EmailTemplate.id).where(EmailTemplate.name == name)) is not None:
        raise Conflict(f"The template {name!r} exists; change it with PATCH.", code="template_exists")
    check_renders(data["subject"], data["body_text"], data.get("body_html", ""))
    row = EmailTemplate(name=name, **{field: data[field] for field in EDITABLE if field in data})
    db.session.add(row)
    db.session.flush()
    return row


def update_template(name: str, data: dict[str, Any]) -> EmailTemplate:
    """Change a template (stored from its shipped default on its first change)."""
    row = _stored(name)
    merged = {field: data.get(field, getattr(row, field)) for field in ("subject", "body_text", "body_html")}
    check_renders(merged["subject"], merged["body_text"], merged["body_html"] or "")
    for field in EDITABLE:
        if field in data:
            setattr(row, field, data[field])
    return row


def restore_default(name: str) -> EmailTemplate:
    """DELETE: the shipped default again (a template of another name is removed)."""
    row = db.session.scalar(select(EmailTemplate).where(EmailTemplate.name == name))
    shipped = builtin_template(name) if name in builtin_template_names() else None
    if shipped is None:
        if row is None:
            raise NotFound(f"No email template named {name!r}.")
        db.session.delete(row)
        return row
    if row is None:
        return shipped
    for field in ("subject", "body_text", "body_html", "description"):
        setattr(row, field, getattr(shipped, field) or "")
    row.is_active = True
    return row


def preview(name: str, draft: dict[str, Any]) -> dict[str, str]:
    """Template `name` (with the parts of `draft` in place of its own) rendered with sample data."""
    template = get_template(name)
    parts = {field: draft.get(field, getattr(template, field) or "") for field in ("subject", "body_text", "body_html")}
    return check_renders(parts["subject"], parts["body_text"], parts["body_html"])


def _stored(name: str) -> EmailTemplate:
    row = db.session.scalar(select(EmailTemplate).where(EmailTemplate.name == name))
    if row is not None:
        return row
    shipped = get_template(name)  # 404 for an unknown name
    db.session.add(shipped)
    return shipped
