"""JWT issuing, refresh-token rotation with reuse detection, and durable revocation.

The database is the source of truth for revocations, so a logout holds across app instances
and survives a cache flush. Services here never commit; the caller does.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import exists, select, update

from kastoma.errors import NotAuthenticated
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.users.models import RefreshToken, RevokedToken, User


class TokenRevoked(NotAuthenticated):
    code = "token_revoked"
    message = "This token has been revoked."


class TokenInvalid(NotAuthenticated):
    code = "token_invalid"
    message = "This token is invalid."


def user_claims(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role.value,
    }


def _timestamp(payload: dict[str, Any], claim: str) -> datetime:
    return datetime.fromtimestamp(payload[claim], UTC)


def issue_token_pair(user: User, family_id: uuid.UUID | None = None) -> dict[str, str]:
    """A new access + refresh token; the refresh token is recorded for rotation."""
    family_id = family_id or uuid.uuid4()
    claims = {**user_claims(user), "fam": str(family_id), "ver": user.token_version}
    access = create_access_token(identity=str(user.id), additional_claims=claims)
    refresh = create_refresh_token(identity=str(user.id), additional_claims=claims)
    payload = decode_token(refresh)
    db.session.add(
        RefreshToken(jti=payload["jti"], family_id=family_id, user_id=user.id, expires_at=_timestamp(payload, "exp"))
    )
    return {"access": access, "refresh": refresh}


def decode_refresh_token(token: str) -> dict[str, Any]:
    """Decode and check the signature/expiry; JWT errors surface as 401 through auth.py."""
    payload = decode_token(token)
    if payload.get("type") != "refresh":
        raise TokenInvalid("A refresh token is required.")
    return payload


def rotate_refresh_token(token: str) -> tuple[User, dict[str, str]]:
    """Exchange a refresh token for a new pair. Reusing a rotated token revokes its family."""
    payload = decode_refresh_token(token)
    row = db.session.scalar(select(RefreshToken).where(RefreshToken.jti == payload["jti"]).with_for_update())
    if row is None:
        raise TokenInvalid()
    if row.revoked_at is not None:
        raise TokenRevoked()
    if row.rotated_at is not None:
        # Someone presents a token that was already exchanged: assume it was stolen.
        revoke_family(row.family_id)
        raise TokenRevoked("This refresh token was already used; every session of this login is revoked.")
    user = db.session.get(User, row.user_id)
    if user is None or not token_is_current(user, payload):
        raise TokenRevoked()
    row.rotated_at = utcnow()
    return user, issue_token_pair(user, family_id=row.family_id)


def token_is_current(user: User, payload: dict[str, Any]) -> bool:
    """False when the account is inactive or the token predates a password change or reset."""
    return user.is_active and payload.get("ver") == user.token_version


def revoke_family(family_id: uuid.UUID) -> None:
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_refresh_tokens_of(user: User, except_family: uuid.UUID | None = None) -> None:
    stmt = update(RefreshToken).where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
    if except_family is not None:
        stmt = stmt.where(RefreshToken.family_id != except_family)
    db.session.execute(stmt.values(revoked_at=utcnow()))


def revoke_access_token(payload: dict[str, Any]) -> None:
    if not is_access_token_revoked(payload["jti"]):
        db.session.add(
            RevokedToken(jti=payload["jti"], user_id=uuid.UUID(payload["sub"]), expires_at=_timestamp(payload, "exp"))
        )


def is_access_token_revoked(jti: str) -> bool:
    return bool(db.session.scalar(select(exists().where(RevokedToken.jti == jti))))


def refresh_token_state(payload: dict[str, Any]) -> str:
    """'active', 'rotated', 'revoked' or 'unknown' for a decoded refresh token."""
    row = db.session.scalar(select(RefreshToken).where(RefreshToken.jti == payload["jti"]))
    if row is None:
        return "unknown"
    if row.revoked_at is not None:
        return "revoked"
    return "rotated" if row.rotated_at is not None else "active"
