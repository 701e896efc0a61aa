"""Who a token's user is, and whether the token still holds: the callbacks flask-jwt-extended
asks on every authenticated request (registered by `init_token_users`)."""

from __future__ import annotations

import uuid

from flask import g
from flask_jwt_extended import JWTManager
from sqlalchemy import bindparam, exists, select

from kastoma.extensions import db
from kastoma.users.models import RevokedToken, User
from kastoma.users.tokens import token_is_current


def init_token_users(manager: JWTManager) -> None:
    manager.token_in_blocklist_loader(_is_revoked)
    manager.user_lookup_loader(_load_user)


# Built once, values bound per request: the statement is the same object every time, so
# SQLAlchemy finds its compiled form without building and keying a new one (as listings do,
# kastoma/products/filters.py).
_TOKEN_USER = select(User, exists().where(RevokedToken.jti == bindparam("jti")).label("revoked")).where(
    User.id == bindparam("user_id")
)


def _is_revoked(header: dict, payload: dict) -> bool:
    # Refresh tokens are checked (and reuse punished) by the refresh endpoint itself.
    if payload.get("type") != "access":
        return False
    # One statement answers both questions of every authenticated request: is the token revoked,
    # and who is its user (kept for _load_user, which flask-jwt-extended calls next).
    # A token whose user is gone is refused by _load_user.
    row = db.session.execute(_TOKEN_USER, {"jti": payload["jti"], "user_id": _subject(payload)}).first()
    g.kastoma_token_user = (payload["jti"], row[0] if row else None)
    return bool(row and row[1])


def _subject(payload: dict) -> uuid.UUID | None:
    try:
        return uuid.UUID(payload["sub"])
    except (ValueError, TypeError, AttributeError):
        return None


def _load_user(header: dict, payload: dict) -> User | None:
    found = g.pop("kastoma_token_user", None)
    if found is not None and found[0] == payload["jti"]:
        user = found[1]
    else:
        user_id = _subject(payload)
        user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not token_is_current(user, payload):
        return None
    g.current_user_id = str(user.id)
    return user
