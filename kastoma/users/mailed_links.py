"""Single-use secrets in mailed links (password reset, sign-up and email-change confirmation):
made, stored hashed (a database leak reveals no usable link), found once under a row lock."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import select

from kastoma.errors import ValidationFailed
from kastoma.extensions import db

T = TypeVar("T")


def new_mailed_token() -> tuple[str, str]:
    """(token, its SHA-256 hex): the token goes in the mail, the hash in the database."""
    token = secrets.token_urlsafe(32)  # 256 bits
    return token, hash_mailed_token(token)


def hash_mailed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_by_token(model: type[T], token: str) -> T | None:
    """The row of `model` (with a `token_hash` column) this token was mailed for, locked until
    the commit so that two uses of one link take turns."""
    return db.session.scalar(select(model).where(model.token_hash == hash_mailed_token(token)).with_for_update())


def invalid_link(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"token": ["Invalid or expired token."]}, code="invalid_token")


def confirmation_context(token: str, url_setting: str, lifetime: timedelta) -> dict[str, Any]:
    """What a confirmation mail says of its link: the code, how long it lasts and, when the
    storefront has a page for it (`url_setting`), the link itself."""
    url = current_app.config[url_setting]
    return {
        "token": token,
        "expires_hours": int(lifetime.total_seconds() // 3600),
        "confirm_url": f"{url}{token}" if url else "",
    }
