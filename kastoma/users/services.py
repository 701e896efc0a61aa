"""Account services: registration, login, profile changes, passwords, deactivation, roles.

Functions take model objects and plain data, raise DomainErrors and never commit.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kastoma.core.emails import send_after_commit
from kastoma.errors import NotAuthenticated, ValidationFailed
from kastoma.extensions import db
from kastoma.jobs import enqueue, job
from kastoma.models import utcnow
from kastoma.roles import Role
from kastoma.users.mailed_links import find_by_token, invalid_link, new_mailed_token
from kastoma.users.models import PasswordResetToken, User, UserProfile
from kastoma.users.passwords import hash_password, needs_rehash, password_problems, verify_password
from kastoma.users.schemas import normalise_email
from kastoma.users.tokens import revoke_refresh_tokens_of

PASSWORD_RESET_LIFETIME = timedelta(hours=1)
USERNAME_TAKEN = "A user with this username already exists."


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


def _taken(column: Any, value: str, exclude: User | None) -> bool:
    stmt = select(User.id).where(column == value)
    if exclude is not None:
        stmt = stmt.where(User.id != exclude.id)
    return db.session.scalar(stmt) is not None


def _ensure_unique(username: str | None, email: str | None, exclude: User | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if username is not None and _taken(func.lower(User.username), username.lower(), exclude):
        errors["username"] = [USERNAME_TAKEN]
    if email is not None and _taken(User.email, normalise_email(email), exclude):
        errors["email"] = ["A user with this email already exists."]
    if errors:
        raise ValidationFailed("This account already exists.", errors=errors)


def ensure_username_free(username: str, exclude: User | None = None) -> None:
    """Usernames are public (reviews show them), so saying one is taken reveals nothing private."""
    if _taken(func.lower(User.username), username.lower(), exclude):
        raise ValidationFailed("This username is taken.", errors={"username": [USERNAME_TAKEN]})


def create_user(
    username: str,
    email: str,
    password: str | None,
    *,
    first_name: str = "",
    last_name: str = "",
    role: Role = Role.CUSTOMER,
    check_policy: bool = True,
    password_hash: str | None = None,
) -> User:
    """A new account with its profile (`password_hash` instead of
    `password` for a sign-up whose password was hashed when it was asked for)."""
    _ensure_unique(username, email)
    if check_policy and password is not None:
        check_password_policy(password, username=username, email=email, first_name=first_name, last_name=last_name)
    user = User(
        username=username,
        email=normalise_email(email),
        password_hash=password_hash or hash_password(password or ""),
        first_name=first_name,
        last_name=last_name,
        role=role,
    )
    user.profile = UserProfile()
    try:
        # A twin sign-up at the same moment (a username differing only in case, say) loses on the
        # unique indexes: with a 400 naming the field, not a 500.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:
        _ensure_unique(username, email)
        raise ValidationFailed("This account already exists.") from exc
    return user


def send_welcome_email(user: User) -> None:
    """Welcome the new account once its creation has committed."""
    enqueue("users.welcome", user_id=str(user.id))


@job("users.welcome")
def _welcome(user_id: str) -> None:
    user = db.session.get(User, uuid.UUID(user_id))
    if user is not None:
        send_after_commit("welcome", user.email, {"user": user})


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
    """Names and username change at once; an email change is only requested here (it needs
    the current password and is applied from the new address, kastoma/users/email_change.py)."""
    if "username" in data:
        ensure_username_free(data["username"], exclude=user)
    for field in ("first_name", "last_name", "username"):
        if field in data:
            setattr(user, field, data[field])
    return user


def set_password(user: User, new_password: str, field: str = "new_password") -> None:
    check_password_policy(new_password, user, field=field)
    user.password_hash = hash_password(new_password)


def check_current_password(user: User, password: str | None) -> None:
    """For changes a stolen access token alone must not make (password, email)."""
    if not password or not verify_password(user.password_hash, password):
        raise ValidationFailed(
            "The current password is incorrect.", errors={"current_password": ["The current password is incorrect."]}
        )


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a password; every other session's refresh tokens are revoked."""
    check_current_password(user, current_password)
    set_password(user, new_password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Revoke every refresh token and every access token issued until now (and so every
    back-office session, which carries the token version too)."""
    revoke_refresh_tokens_of(user)
    user.token_version += 1


def deactivate_account(user: User) -> None:
    user.is_active = False
    end_sessions(user)


def request_password_reset(email: str, reset_url: str) -> None:
    """Mail a single-use reset link to the account of `email`, if there is one. The request does
    the same work either way (it only starts a job), so neither its answer nor its timing tells
    whether the account exists."""
    enqueue("users.password_reset", email=normalise_email(email), reset_url=reset_url)


@job("users.password_reset")
def _send_password_reset(email: str, reset_url: str) -> None:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and user.is_active:
        mail_password_link(user, reset_url, "password_reset", PASSWORD_RESET_LIFETIME)


def mail_password_link(user: User, reset_url: str, template: str, lifetime: timedelta) -> None:
    """Mail `user` a single-use link to choose a password (a reset, or a new account's first)."""
    token, token_hash = new_mailed_token()
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=token_hash, expires_at=utcnow() + lifetime))
    context = {
        "user": user,
        "token": token,
        "expires_minutes": int(lifetime.total_seconds() // 60),
        "reset_url": f"{reset_url}{token}" if reset_url else "",
    }
    send_after_commit(template, user.email, context)


def confirm_password_reset(token: str, new_password: str) -> User:
    """Use a reset token once: set the password and end every session of the account."""
    invalid = invalid_link("This password reset link is invalid or has expired.")
    row = find_by_token(PasswordResetToken, token)
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
    end_sessions(user)
    return user
