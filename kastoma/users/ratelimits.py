"""Rate-limit keys and limits for the credential endpoints (values come from config)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from kastoma.extensions import limiter


def _identifier() -> str:
    # A key function must not raise: flask-limiter takes any error in it for an unreachable
    # storage and counts in process memory until its next check, then drops those counts. An
    # over-limit body (413 on reading it) would reset everyone's budget that way; the view
    # refuses such a body anyway.
    try:
        body = request.get_json(silent=True)
    except HTTPException:
        return ""
    if not isinstance(body, dict):
        return ""
    value = body.get("email") or body.get("username") or ""
    return str(value).strip().lower()[:254]


def _ip_and_identifier() -> str:
    return f"{get_remote_address()}|{_identifier()}"


def limit(config_key: str) -> Callable:
    """Limit per client IP + submitted email/username, e.g. RATELIMIT_LOGIN = "10/minute"."""
    return limiter.limit(lambda: current_app.config[config_key], key_func=_ip_and_identifier)


def limit_per_identifier(config_key: str) -> Callable:
    """Limit per submitted email, whatever the IP (password reset mails)."""
    return limiter.limit(lambda: current_app.config[config_key], key_func=lambda: f"id|{_identifier()}")
