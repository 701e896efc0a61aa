"""Sign-up: the account at once, or (REGISTRATION_EMAIL_CONFIRMATION, production's default) once
its address is confirmed from a mailed link.

With confirmation, a sign-up answers the same whether or not the address has an account, and
does the same work in the request (Django allauth's and Saleor's approach): the password is
hashed and a job takes it from there. A new address gets the confirmation link; an address that
has an account gets a note saying so. The account is created when the link is used.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from kastoma.core.emails import send_after_commit
from kastoma.extensions import db
from kastoma.jobs import enqueue, job
from kastoma.models import utcnow
from kastoma.users.mailed_links import confirmation_context, find_by_token, invalid_link, new_mailed_token
from kastoma.users.models import PendingRegistration, User
from kastoma.users.passwords import hash_password
from kastoma.users.schemas import normalise_email
from kastoma.users.services import check_password_policy, create_user, ensure_username_free

CONFIRMATION_LIFETIME = timedelta(hours=24)
CONFIRMATION_SENT = "Check your inbox: we sent a link to confirm your address and finish creating your account."


def confirmation_required() -> bool:
    return bool(current_app.config["REGISTRATION_EMAIL_CONFIRMATION"])


def request_registration(data: dict[str, Any]) -> None:
    """Check what can be checked without revealing whether the address has an account (the
    username is public, the address is not), hash the password and start the job."""
    ensure_username_free(data["username"])
    check_password_policy(
        data["password"],
        username=data["username"],
        email=data["email"],
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
    )
    enqueue(
        "users.registration_requested",
        email=normalise_email(data["email"]),
        username=data["username"],
        password_hash=hash_password(data["password"]),
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
    )


@job("users.registration_requested")
def _registration_requested(email: str, username: str, password_hash: str, first_name: str, last_name: str) -> None:
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        send_after_commit("account_exists", existing.email, {"user": existing, "attempt": "create an account"})
        return
    token, token_hash = new_mailed_token()
    # A newer sign-up with this address replaces an older one: only the mailbox decides.
    db.session.execute(delete(PendingRegistration).where(PendingRegistration.email == email))
    db.session.add(
        PendingRegistration(
            email=email,
            username=username,
            password_hash=password_hash,
            first_name=first_name,
            last_name=last_name,
            token_hash=token_hash,
            expires_at=utcnow() + CONFIRMATION_LIFETIME,
        )
    )
    context = {
        "username": username,
        "first_name": first_name,
        **confirmation_context(token, "REGISTRATION_CONFIRM_URL", CONFIRMATION_LIFETIME),
    }
    send_after_commit("registration_confirm", email, context)


def confirm_registration(token: str) -> User:
    """Create the account of a confirmed sign-up (once: the pending sign-up is spent)."""
    pending = find_by_token(PendingRegistration, token)
    if pending is None or pending.expires_at <= utcnow():
        raise invalid_link("This confirmation link is invalid or has expired; sign up again.")
    user = create_user(
        pending.username,
        pending.email,
        None,
        first_name=pending.first_name,
        last_name=pending.last_name,
        password_hash=pending.password_hash,
    )
    db.session.delete(pending)
    return user
