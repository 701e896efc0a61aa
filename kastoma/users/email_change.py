"""Changing an account's email: asked for with the current password, applied from a link mailed
to the new address, told to the old one, and ending every session once applied.

An access token alone (stolen, or left signed in) cannot move the account to another address
and take it over through a password reset. Whether the new address belongs to another account
is told only to that address, never to the requester (as at sign-up).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from kastoma.core.emails import send_after_commit
from kastoma.errors import ValidationFailed
from kastoma.extensions import db
from kastoma.jobs import enqueue, job
from kastoma.models import utcnow
from kastoma.users.mailed_links import confirmation_context, find_by_token, invalid_link, new_mailed_token
from kastoma.users.models import EmailChange, User
from kastoma.users.schemas import normalise_email
from kastoma.users.services import check_current_password, end_sessions

CONFIRMATION_LIFETIME = timedelta(hours=24)
CONFIRMATION_SENT = "To change your email, use the link we sent to the new address."


def request_email_change(user: User, new_email: str, current_password: str | None) -> bool:
    """Start a change to `new_email`; False when it is the current address (nothing to do)."""
    check_current_password(user, current_password)
    new_email = normalise_email(new_email)
    if new_email == user.email:
        return False
    enqueue("users.email_change_requested", user_id=str(user.id), new_email=new_email)
    return True


@job("users.email_change_requested")
def _email_change_requested(user_id: str, new_email: str) -> None:
    user = db.session.get(User, uuid.UUID(user_id))
    if user is None or not user.is_active:
        return
    send_after_commit("email_change_requested", user.email, {"user": user, "new_email": new_email})
    holder = db.session.scalar(select(User).where(User.email == new_email))
    if holder is not None:
        send_after_commit("account_exists", new_email, {"user": holder, "attempt": "move another account"})
        return
    token, token_hash = new_mailed_token()
    db.session.add(
        EmailChange(
            user_id=user.id,
            new_email=new_email,
            token_hash=token_hash,
            expires_at=utcnow() + CONFIRMATION_LIFETIME,
        )
    )
    context = {"user": user, **confirmation_context(token, "EMAIL_CHANGE_CONFIRM_URL", CONFIRMATION_LIFETIME)}
    send_after_commit("email_change_confirm", new_email, context)


def confirm_email_change(token: str) -> User:
    """Apply the change the token was mailed for; every session of the account ends."""
    invalid = invalid_link("This confirmation link is invalid or has expired.")
    change = find_by_token(EmailChange, token)
    if change is None or change.used_at is not None or change.expires_at <= utcnow():
        raise invalid
    user = db.session.get(User, change.user_id)
    if user is None or not user.is_active:
        raise invalid
    if db.session.scalar(select(User.id).where(User.email == change.new_email, User.id != user.id)) is not None:
        raise ValidationFailed(
            "This address now belongs to another account.", errors={"email": ["Already in use."]}, code="email_taken"
        )
    old_email, user.email = user.email, change.new_email
    # This change and any other outstanding one of the account are spent.
    db.session.execute(
        update(EmailChange)
        .where(EmailChange.user_id == user.id, EmailChange.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    end_sessions(user)
    send_after_commit("email_changed", old_email, {"user": user, "new_email": user.email})
    return user
