"""`flask auth ...`: token housekeeping for operators (run it from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import delete

from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.users.models import EmailChange, PasswordResetToken, PendingRegistration, RefreshToken, RevokedToken

auth_cli = AppGroup("auth", help="Authentication housekeeping.")


@auth_cli.command("purge-tokens")
def purge_tokens_command() -> None:
    """Delete revocation records, refresh tokens and mailed links that have expired anyway."""
    now = utcnow()
    removed = {
        "revoked access tokens": db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at <= now)),
        "refresh tokens": db.session.execute(delete(RefreshToken).where(RefreshToken.expires_at <= now)),
        "password reset tokens": db.session.execute(
            delete(PasswordResetToken).where(PasswordResetToken.expires_at <= now)
        ),
        "email change links": db.session.execute(delete(EmailChange).where(EmailChange.expires_at <= now)),
        "unconfirmed sign-ups": db.session.execute(
            delete(PendingRegistration).where(PendingRegistration.expires_at <= now)
        ),
    }
    db.session.commit()
    click.echo(", ".join(f"{result.rowcount or 0} {name}" for name, result in removed.items()) + " removed.")
