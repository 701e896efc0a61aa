"""Rate-limit keys and limits for the credential endpoints (values come from config).

Login attempts are counted per account, whichever identifier names it (its email or its
username, in any case), and per client IP; an identifier that names no account has a bucket
of its own, so probing unknown names is limited too.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from kastoma.extensions import db, limiter
from kastoma.users.models import User


def _submitted() -> tuple[str, str]:
    """("email" or "username", its value) of the credentials in the body (JSON or a form), or
    ("", "")."""
    # A key function must not raise: flask-limiter takes any error in it for an unreachable
    # storage and counts in process memory until its next check, then drops those counts. An
    # over-limit body (413 on reading it) would reset everyone's budget that way; the view
    # refuses such a body anyway.
    try:
        body = request.get_json(silent=True)
        if body is None and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            body = request.form
    except HTTPException:
        return "", ""
    if not hasattr(body, "get"):
        return "", ""
    for kind in ("email", "username"):
        value = body.get(kind)
        if isinstance(value, str) and value.strip():
            return kind, value.strip().lower()[:254]
    return "", ""


def _identifier() -> str:
    return _submitted()[1]


def _account_key() -> str:
    kind, value = _submitted()
    if not value:
        return "id|"
    column = User.email if kind == "email" else func.lower(User.username)
    try:
        user_id = db.session.scalar(select(User.id).where(column == value))
    except SQLAlchemyError:  # the view will answer 503; the key function must not raise
        db.session.rollback()
        user_id = None
    return f"account|{user_id}" if user_id is not None else f"id|{kind}|{value}"


def _ip_and_identifier() -> str:
    return f"{get_remote_address()}|{_identifier()}"


def limit(config_key: str) -> Callable:
    """Limit per client IP + submitted email/username, e.g. RATELIMIT_REGISTER = "10/hour"."""
    return limiter.limit(lambda: current_app.config[config_key], key_func=_ip_and_identifier)


def limit_per_account(config_key: str, **options: object) -> Callable:
    """Limit per account named by the submitted email or username, whatever the IP; every
    endpoint limited by the same `config_key` shares the account's budget."""
    return limiter.shared_limit(
        lambda: current_app.config[config_key], f"account:{config_key}", key_func=_account_key, **options
    )


def limit_per_ip(config_key: str) -> Callable:
    """Limit per client IP, whatever the identifier."""
    return limiter.limit(lambda: current_app.config[config_key], key_func=get_remote_address)


def limit_per_identifier(config_key: str) -> Callable:
    """Limit per submitted email, whatever the IP (password reset mails)."""
    return limiter.limit(lambda: current_app.config[config_key], key_func=lambda: f"id|{_identifier()}")
