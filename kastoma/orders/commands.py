"""`flask orders ...`: housekeeping commands for operators (run them from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from kastoma.extensions import db
from kastoma.orders import idempotency, lifecycle

orders_cli = AppGroup("orders", help="Order housekeeping.")


@orders_cli.command("expire-unpaid")
def expire_unpaid_command() -> None:
    """Cancel and restock card orders left unpaid past ORDER_PAYMENT_TIMEOUT_MINUTES."""
    expired = lifecycle.expire_unpaid()
    db.session.commit()
    click.echo(
        f"Expired {len(expired)} unpaid order(s)"
        + (": " + ", ".join(o.order_number for o in expired) if expired else ".")
    )


@orders_cli.command("purge-idempotency-keys")
def purge_keys_command() -> None:
    """Delete Idempotency-Key records older than 24 hours."""
    removed = idempotency.purge_expired()
    db.session.commit()
    click.echo(f"Removed {removed} expired idempotency key(s).")
