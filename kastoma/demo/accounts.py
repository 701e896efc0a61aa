"""The demo accounts of `flask seed`: admin, staff and customer."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from kastoma.extensions import db
from kastoma.roles import Role
from kastoma.users.models import User
from kastoma.users.passwords import verify_password
from kastoma.users.services import create_user

# Demo accounts created by `flask seed`. Outside production they get these published passwords
# (so `make run` can print them); in production only with --demo-users, and then random ones.
DEMO_USERS = [
    ("admin", "admin@kastoma.local", "Kastoma-Admin-2026!", Role.ADMIN, "Ada", "Admin"),
    ("staff", "staff@kastoma.local", "Kastoma-Staff-2026!", Role.STAFF, "Sam", "Staff"),
    ("customer", "customer@kastoma.local", "Kastoma-Customer-2026!", Role.CUSTOMER, "Chris", "Customer"),
]


def ensure_demo_users(*, random_passwords: bool = False) -> list[tuple[str, str, str | None]]:
    """Create the demo accounts that do not exist yet; (role, email, password) of each, the
    password None for an account that existed already (it is not changed)."""
    accounts = []
    for username, email, published, role, first, last in DEMO_USERS:
        password = None
        if db.session.scalar(select(User).where(User.email == email)) is None:
            password = secrets.token_urlsafe(18) if random_passwords else published
            create_user(username, email, password, first_name=first, last_name=last, role=role, check_policy=False)
        accounts.append((role.value, email, password))
    return accounts


def published_password_accounts() -> list[str]:
    """Emails of demo accounts that still accept their published password."""
    emails = []
    for _, email, published, *_ in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and user.is_active and verify_password(user.password_hash, published):
            emails.append(email)
    return emails
