"""Account services: registration, login, profile changes, passwords, deactivation, roles.

Functions take model objects and plain data, raise DomainErrors and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select

from kastoma.core.emails import send_templated_email
from kastoma.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.users.models import PasswordResetToken, Role, User, UserProfile, Wishlist
from kastoma.users.passwords import hash_password, needs_rehash, password_problems, verify_password
from kastoma.users.schemas import normalise_email
from kastoma.users.tokens import revoke_refresh_tokens_of

PASSWORD_RESET_LIFETIME = timedelta(hours=1)
DEFAULT_WISHLIST_NAME = "My wishlist"


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    message = "Unable to log in with the provided credentials."


def check_password_policy(password: str, user: User | None = None, field: str = "password", **attrs: str) -> None:
    if user is not None:
        attrs = {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            **attrs,
        }
    problems = password_problems(password, **attrs)
    if problems:
        raise ValidationFailed("This password is not accepted.", errors={field: problems})


def _ensure_unique(username: str | None, email: str | None, exclude: User | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if username is not None:
        stmt = select(User.id).where(func.lower(User.username) == username.lower())
        if exclude is not None:
            stmt = stmt.where(User.id != exclude.id)
        if db.session.scalar(stmt) is not None:
            errors["username"] = ["A user with this username already exists."]
    if email is not None:
        stmt = select(User.id).where(User.email == normalise_email(email))
        if exclude is not None:
            stmt = stmt.where(User.id != exclude.id)
        if db.session.scalar(stmt) is not None:
            errors["email"] = ["A user with this email already exists."]
    if errors:
        raise ValidationFailed("This account already exists.", errors=errors)


def create_user(
    username: str,
    email: str,
    password: str,
    *,
    first_name: str = "",
    last_name: str = "",
    role: Role = Role.CUSTOMER,
    check_policy: bool = True,
) -> User:
    """A new account with its profile and default wishlist."""
    _ensure_unique(username, email)
    if check_policy:
        check_password_policy(password, username=username, email=email, first_name=first_name, last_name=last_name)
    user = User(
        username=username,
        email=normalise_email(email),
        password_hash=hash_password(password),
        first_name=first_name,
        last_name=last_name,
        role=role,
    )
    user.profile = UserProfile()
    db.session.add(user)
    db.session.add(Wishlist(owner=user, name=DEFAULT_WISHLIST_NAME, is_default=True))
    db.session.flush()
    return user


def send_welcome_email(user: User) -> None:
    send_templated_email("welcome", user.email, {"user": user})


def authenticate(password: str, email: str | None = None, username: str | None = None) -> User:
    """The active user with these credentials; unknown and wrong answer alike (and as slowly)."""
    if email:
        user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    else:
        user = db.session.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_active:
        raise InvalidCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def update_account(user: User, data: dict[str, Any]) -> User:
    _ensure_unique(data.get("username"), data.get("email"), exclude=user)
    if "email" in data:
        data["email"] = normalise_email(data["email"])
    for field, value in data.items():
        setattr(user, field, value)
    return user


def update_profile(user: User, data: dict[str, Any]) -> UserProfile:
    for field, value in data.items():
        setattr(user.profile, field, value)
    return user.profile


def set_password(user: User, new_password: str, field: str = "new_password") -> None:
    check_password_policy(new_password, user, field=field)
    user.password_hash = hash_password(new_password)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a password; every other session's refresh tokens are revoked."""
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed(
            "The current password is incorrect.", errors={"current_password": ["The current password is incorrect."]}
        )
    set_password(user, new_password)
    _end_sessions(user)


def _end_sessions(user: User) -> None:
    """Revoke every refresh token and every access token issued until now."""
    revoke_refresh_tokens_of(user)
    user.token_version += 1


def deactivate_account(user: User) -> None:
    user.is_active = False
    _end_sessions(user)


def _hash_reset_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(email: str) -> tuple[User, str] | None:
    """Create a single-use reset token for an active account; None if there is no such account."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        return None
    token = secrets.token_urlsafe(32)  # 256 bits
    db.session.add(
        PasswordResetToken(
            user_id=user.id, token_hash=_hash_reset_token(token), expires_at=utcnow() + PASSWORD_RESET_LIFETIME
        )
    )
    return user, token


def send_password_reset_email(user: User, token: str, reset_url: str) -> None:
    send_templated_email(
        "password_reset",
        user.email,
        {
            "user": user,
            "token": token,
            "expires_minutes": int(PASSWORD_RESET_LIFETIME.total_seconds() // 60),
            "reset_url": f"{reset_url}{token}" if reset_url else "",
        },
    )


def confirm_password_reset(token: str, new_password: str) -> User:
    """Use a reset token once: set the password and end every session of the account."""
    invalid = ValidationFailed(
        "This password reset link is invalid or has expired.",
        errors={"token": ["Invalid or expired token."]},
        code="invalid_token",
    )
    row = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash_reset_token(token)).with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise invalid
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise invalid
    set_password(user, new_password)
    now = utcnow()
    # This token and any other outstanding one for the account are spent.
    for other in db.session.scalars(
        select(PasswordResetToken).where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
    ):
        other.used_at = now
    _end_sessions(user)
    return user


def get_user(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    return user


def search_users(search: str | None = None, is_active: bool | None = None, role: Role | None = None):
    stmt = select(User).order_by(User.created_at.desc(), User.id)
    if search:
        pattern = f"%{search.lower()}%"
        stmt = stmt.where(
            or_(
                User.email.like(pattern),
                func.lower(User.username).like(pattern),
                func.lower(User.first_name + " " + User.last_name).like(pattern),
            )
        )
    if is_active is not None:
        stmt = stmt.where(User.is_active.is_(is_active))
    if role is not None:
        stmt = stmt.where(User.role == role)
    return stmt


def staff_update_user(actor: User, user: User, data: dict[str, Any]) -> User:
    """Staff activate/deactivate and edit names; only admins change roles."""
    if "role" in data and data["role"] != user.role:
        if not actor.is_admin:
            raise PermissionDenied("Only administrators can change roles.")
        if user.id == actor.id:
            raise ValidationFailed(errors={"role": ["You cannot change your own role."]})
    if data.get("is_active") is False and user.id == actor.id:
        raise ValidationFailed(errors={"is_active": ["You cannot deactivate your own account here."]})
    if user.is_admin and not actor.is_admin and set(data) & {"is_active", "role"}:
        raise PermissionDenied("Only administrators can change an administrator's account.")
    if data.get("is_active") is False and user.is_active:
        deactivate_account(user)
        data = {k: v for k, v in data.items() if k != "is_active"}
    for field, value in data.items():
        setattr(user, field, value)
    return user
