"""Email templates rendered in a sandboxed Jinja2 environment, then sent through `mail`.

Staff can edit templates in the back office, so templates are untrusted input: the sandbox
stops them from reaching Python internals, and HTML bodies are autoescaped.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Query, Session

from kastoma.core.mail import Mail, send_mail
from kastoma.core.models import EmailTemplate
from kastoma.core.settings import SITE_CONFIG, get_setting
from kastoma.errors import NotFound, ValidationFailed
from kastoma.extensions import db
from kastoma.transactions import on_commit

log = logging.getLogger("kastoma.mail")

TEMPLATE_DIR = Path(__file__).parent / "email_templates"


class EmailSandbox(ImmutableSandboxedEnvironment):
    """Staff edit templates in the back office: they may read the fields of the objects passed
    in (an order, a user), never the ORM machinery behind them or a secret."""

    HIDDEN = frozenset({"query", "query_class", "metadata", "registry", "password_hash", "token_version"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, db.Model) and attr in self.HIDDEN:
            return False
        if isinstance(value, Query | Session | Engine | Connection | MetaData):
            return False
        return super().is_safe_attribute(obj, attr, value)


_text_env = EmailSandbox(autoescape=False, keep_trailing_newline=True)
_html_env = EmailSandbox(autoescape=True)


@functools.lru_cache(maxsize=256)
def _compiled(source: str, html: bool) -> Template:
    """Compiling costs more than rendering; an edited template is a new source, so a new entry."""
    return (_html_env if html else _text_env).from_string(source)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def builtin_template(name: str) -> EmailTemplate | None:
    """The default template shipped in `email_templates/<name>.{subject,txt,html}`."""
    text = TEMPLATE_DIR / f"{name}.txt"
    if not text.is_file():
        return None
    html = TEMPLATE_DIR / f"{name}.html"
    return EmailTemplate(
        name=name,
        subject=(TEMPLATE_DIR / f"{name}.subject").read_text().strip(),
        body_text=text.read_text(),
        body_html=html.read_text() if html.is_file() else "",
        description="",
        is_active=True,
    )


def builtin_template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.txt"))


def _stored_template(name: str) -> tuple[str, ...]:
    """(subject, text, html) of the active stored template `name`; () when there is none."""
    row = db.session.scalar(select(EmailTemplate).where(EmailTemplate.name == name))
    if row is None or not row.is_active:
        return ()
    return (row.subject, row.body_text, row.body_html)


def get_template(name: str) -> EmailTemplate:
    """The active stored template `name` (cached with the settings), else the shipped one."""
    stored = SITE_CONFIG.cached("email-template", name, lambda: _stored_template(name))
    if stored:
        subject, body_text, body_html = stored
        return EmailTemplate(name=name, subject=subject, body_text=body_text, body_html=body_html)
    default = builtin_template(name)
    if default is None:
        raise NotFound(f"No email template named {name!r}.")
    return default


def render_template(template: EmailTemplate, context: dict[str, Any]) -> RenderedEmail:
    """Render subject and bodies; a broken or hostile template is a ValidationFailed."""
    full_context = {"store_name": get_setting("store_name"), **context}
    try:
        return RenderedEmail(
            subject=_compiled(template.subject, html=False).render(full_context).strip(),
            body_text=_compiled(template.body_text, html=False).render(full_context),
            body_html=_compiled(template.body_html, html=True).render(full_context) if template.body_html else "",
        )
    except TemplateError as exc:  # SecurityError is a TemplateError too
        raise ValidationFailed("The email template could not be rendered.", errors={"template": [str(exc)]}) from exc


def send_templated_email(name: str, to: str | list[str], context: dict[str, Any]) -> bool:
    """Render template `name` (falling back to the shipped default if the stored one is
    broken) and send it. Returns whether delivery succeeded."""
    template = get_template(name)
    try:
        rendered = render_template(template, context)
    except ValidationFailed:
        default = builtin_template(name)
        if default is None or template is default:
            raise
        log.exception("stored email template %r is broken; using the default", name)
        rendered = render_template(default, context)
    recipients = [to] if isinstance(to, str) else list(to)
    return send_mail(Mail(recipients, rendered.subject, rendered.body_text, rendered.body_html))


def send_after_commit(name: str, to: str | list[str], context: dict[str, Any]) -> None:
    """Send template `name` once the current transaction commits: a mail never describes a
    change (a token, an order) that was rolled back."""
    on_commit(lambda: send_templated_email(name, to, context))


def ensure_default_templates() -> int:
    """Store each shipped template that has no row yet, so staff can edit it."""
    existing = set(db.session.scalars(select(EmailTemplate.name)))
    created = 0
    for name in builtin_template_names():
        if name not in existing:
            default = builtin_template(name)
            assert default is not None  # noqa: S101 - listed from the same directory
            db.session.add(default)
            created += 1
    return created
