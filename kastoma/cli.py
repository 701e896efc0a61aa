"""`flask` commands for operators: demo data, admin accounts and API tokens."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from kastoma.core.emails import ensure_default_templates
from kastoma.core.settings import ensure_default_settings
from kastoma.errors import ValidationFailed
from kastoma.extensions import db
from kastoma.orders.coupons import ensure_demo_coupons
from kastoma.products.seed import DEFAULT_PRODUCTS, seed_catalogue
from kastoma.users.models import Role, User
from kastoma.users.services import create_user
from kastoma.users.tokens import issue_token_pair

# Demo accounts created by `flask seed`; their passwords are printed, never used in production.
DEMO_USERS = [
    ("admin", "admin@kastoma.local", "Kastoma-Admin-2026!", Role.ADMIN, "Ada", "Admin"),
    ("staff", "staff@kastoma.local", "Kastoma-Staff-2026!", Role.STAFF, "Sam", "Staff"),
    ("customer", "customer@kastoma.local", "Kastoma-Customer-2026!", Role.CUSTOMER, "Chris", "Customer"),
]


def ensure_demo_users() -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; return (role, email, password) of all."""
    for username, email, password, role, first, last in DEMO_USERS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            create_user(username, email, password, first_name=first, last_name=last, role=role, check_policy=False)
    return [(role.value, email, password) for _, email, password, role, _, _ in DEMO_USERS]


@click.command("seed")
@click.option(
    "--products",
    "product_count",
    type=click.IntRange(min=0),
    default=DEFAULT_PRODUCTS,
    show_default=True,
    help="How many demo products the catalogue should hold (missing ones are added).",
)
@click.option("--clear", is_flag=True, help="Remove the demo catalogue first (staff-created data stays).")
def seed_command(product_count: int, clear: bool) -> None:
    """Load idempotent demo data: settings, email templates, demo users and the demo catalogue."""
    settings = ensure_default_settings()
    templates = ensure_default_templates()
    users = ensure_demo_users()
    coupons = ensure_demo_coupons()
    db.session.commit()
    click.echo(f"Seeded {settings} settings, {templates} email templates and {coupons} coupons.")
    catalogue = seed_catalogue(product_count, clear=clear)
    if clear:
        click.echo(f"Removed {catalogue.products_removed} demo products.")
    click.echo(
        f"Catalogue: {catalogue.categories_created} new categories, {catalogue.products_created} new demo products "
        f"({catalogue.products_total} in all)."
    )
    click.echo("Demo accounts (development only):")
    for role, email, password in users:
        click.echo(f"  {role:<9} {email:<26} {password}")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--username", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin_command(email: str, username: str, password: str) -> None:
    """Create an administrator (interactive, or with --email --username --password)."""
    try:
        user = create_user(username, email, password, role=Role.ADMIN)
    except ValidationFailed as exc:
        for field, messages in (exc.errors or {}).items():
            click.echo(f"{field}: {' '.join(messages)}", err=True)
        raise click.exceptions.Exit(1) from exc
    db.session.commit()
    click.echo(f"Administrator {user.username} <{user.email}> created.")


@click.command("tokens")
@click.option("--email", "emails", multiple=True, help="Account(s) to issue tokens for (default: the demo users).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON to this file.")
def tokens_command(emails: tuple[str, ...], output: Path | None) -> None:
    """Print access/refresh tokens as JSON for API testing (like the original generate_tokens.py)."""
    wanted = [e.strip().lower() for e in emails] or [email for _, email, *_ in DEMO_USERS]
    result = {}
    for email in wanted:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None or not user.is_active:
            raise click.ClickException(f"No active account {email}; run `flask seed` or pass --email.")
        result[user.username] = {"email": user.email, "role": user.role.value, **issue_token_pair(user)}
    db.session.commit()
    text = json.dumps(result, indent=2)
    click.echo(text)
    if output is not None:
        output.write_text(text + "\n")
        output.chmod(0o600)


def init_cli(app: Flask) -> None:
    from kastoma.orders.commands import orders_cli
    from kastoma.users.commands import auth_cli

    for command in (seed_command, create_admin_command, tokens_command, orders_cli, auth_cli):
        app.cli.add_command(command)
