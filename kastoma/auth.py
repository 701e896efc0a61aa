"""Authentication plumbing: JWT error answers, the current user, and role checks.

Every auth failure is a 401 in the error envelope with a precise code (token_missing,
token_invalid, token_expired, token_revoked); an authenticated user without the role is a 403.
Who a token's user is, and whether the token still holds, is the users domain's business
(kastoma/users/jwt.py registers those callbacks).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g
from flask_jwt_extended import get_current_user, verify_jwt_in_request

from kastoma.errors import PermissionDenied, error_response
from kastoma.extensions import jwt
from kastoma.roles import Role

if TYPE_CHECKING:
    from kastoma.users.models import User


def configure_jwt_keys(app: Flask) -> None:
    """HS256 with JWT_SECRET_KEY, or RS256 when both key files are configured."""
    private_file, public_file = app.config["JWT_PRIVATE_KEY_FILE"], app.config["JWT_PUBLIC_KEY_FILE"]
    if private_file and public_file:
        app.config["JWT_ALGORITHM"] = "RS256"
        app.config["JWT_DECODE_ALGORITHMS"] = ["RS256"]
        app.config["JWT_PRIVATE_KEY"] = Path(private_file).read_text()
        app.config["JWT_PUBLIC_KEY"] = Path(public_file).read_text()


def _unauthorized(code: str, message: str):
    return error_response(401, code, message, headers={"WWW-Authenticate": "Bearer"})


@jwt.unauthorized_loader
def _missing(reason: str):
    return _unauthorized("token_missing", "Authentication credentials were not provided.")


@jwt.invalid_token_loader
def _invalid(reason: str):
    return _unauthorized("token_invalid", "The token is invalid.")


@jwt.expired_token_loader
def _expired(header: dict, payload: dict):
    return _unauthorized("token_expired", "The token has expired.")


@jwt.revoked_token_loader
def _revoked(header: dict, payload: dict):
    return _unauthorized("token_revoked", "The token has been revoked.")


@jwt.user_lookup_error_loader
def _user_gone(header: dict, payload: dict):
    return _unauthorized("token_revoked", "The token is no longer valid for this account.")


@jwt.needs_fresh_token_loader
def _needs_fresh(header: dict, payload: dict):
    return _unauthorized("token_invalid", "A fresh login is required.")


@jwt.token_verification_failed_loader
def _claims_failed(header: dict, payload: dict):
    return _unauthorized("token_invalid", "The token is invalid.")


def current_user() -> User | None:
    """The authenticated user of this request, or None for an anonymous one."""
    return get_current_user() if g.get("_jwt_extended_jwt_user") else None


def require_user(role: Role | None = None, optional: bool = False) -> Callable:
    """Decorator: a valid access token (of a user with at least `role`) or a 401/403."""

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request(optional=optional)
            user = current_user()
            if role is not None and not has_role(user, role):
                raise PermissionDenied()
            return current_app.ensure_sync(func)(*args, **kwargs)

        return wrapper

    return decorator


def has_role(user: User | None, role: Role) -> bool:
    if user is None:
        return False
    if role is Role.ADMIN:
        return user.is_admin
    if role is Role.STAFF:
        return user.is_staff
    return True
