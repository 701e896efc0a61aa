"""Accounts as staff manage them: search, create (customers; staff accounts by admins only),
edit, deactivate. Nobody acts on their own account here, and staff never on an administrator's.

Functions take model objects and plain data, raise DomainErrors and never commit.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select

from kastoma.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kastoma.extensions import db
from kastoma.jobs import enqueue, job
from kastoma.roles import Role
from kastoma.users.models import User
from kastoma.users.services import create_user, deactivate_account, mail_password_link

# A new account without a password gets a link to choose one, valid this long.
INVITE_LIFETIME = timedelta(hours=72)


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
    """Staff activate/deactivate and edit names; only admins change roles or touch an admin."""
    if user.is_admin and not actor.is_admin:
        raise PermissionDenied("Only administrators can change an administrator's account.")
    if "role" in data and data["role"] != user.role:
        if not actor.is_admin:
            raise PermissionDenied("Only administrators can change roles.")
        if user.id == actor.id:
            raise ValidationFailed(errors={"role": ["You cannot change your own role."]})
    if data.get("is_active") is False and user.id == actor.id:
        raise ValidationFailed(errors={"is_active": ["You cannot deactivate your own account here."]})
    if data.get("is_active") is False and user.is_active:
        deactivate_account(user)
        data = {k: v for k, v in data.items() if k != "is_active"}
    for field, value in data.items():
        setattr(user, field, value)
    return user


def staff_create_user(actor: User, data: dict[str, Any]) -> User:
    """A new account. Without a password (the better way: staff never know it), the account is
    mailed a link to choose one."""
    role = data.get("role", Role.CUSTOMER)
    if role is not Role.CUSTOMER and not actor.is_admin:
        raise PermissionDenied("Only administrators create staff and administrator accounts.")
    password = data.get("password")
    user = create_user(
        data["username"],
        data["email"],
        password or secrets.token_urlsafe(32),
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        role=role,
        check_policy=bool(password),
    )
    if not password:
        enqueue("users.invite", user_id=str(user.id), reset_url=current_app.config["PASSWORD_RESET_URL"])
    return user


@job("users.invite")
def _invite(user_id: str, reset_url: str) -> None:
    user = db.session.get(User, uuid.UUID(user_id))
    if user is not None and user.is_active:
        mail_password_link(user, reset_url, "account_invite", INVITE_LIFETIME)


def staff_delete_user(actor: User, user: User) -> User:
    """DELETE deactivates: accounts stay, their orders keep pointing at them."""
    if user.id == actor.id:
        raise Conflict("You cannot delete your own account here (use profile/delete/).", code="own_account")
    if user.is_admin and not actor.is_admin:
        raise PermissionDenied("Only administrators can change an administrator's account.")
    if user.is_active:
        deactivate_account(user)
    return user
