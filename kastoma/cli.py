"""`flask` commands for operators: demo data, admin accounts and API tokens."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from kastoma.core.emails import ensure_default_templates
from kastoma.core.settings import ensure_default_settings
from kastoma.demo.accounts import DEMO_USERS, ensure_demo_users, published_password_accounts
from kastoma.demo.catalogue import DEFAULT_PRODUCTS, seed_catalogue
from kastoma.demo.coupons import ensure_demo_coupons
from kastoma.errors import ValidationFailed
from kastoma.extensions import db
from kastoma.orders.commands import orders_cli
from kastoma.roles import Role
from kastoma.users.commands import auth_cli
from kastoma.users.models import User
from kastoma.users.services import create_user
from kastoma.users.tokens import issue_token_pair


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
@click.option(
    "--demo-users/--no-demo-users",
    default=None,
    help="Create the demo accounts (admin, staff, customer). Default: yes with published passwords, "
    "except in production: there only when asked, with random passwords printed once.",
)
def seed_command(product_count: int, clear: bool, demo_users: bool | None) -> None:
    """Load idempotent demo data: settings, email templates, demo users and the demo catalogue."""
    production = current_app.config["ENV_NAME"] == "production"
    settings = ensure_default_settings()
    templates = ensure_default_templates()
    wanted = demo_users if demo_users is not None else not production
    users = ensure_demo_users(random_passwords=production) if wanted else []
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
    _report_demo_users(users, production, asked=bool(demo_users))


def _report_demo_users(users: list[tuple[str, str, str | None]], production: bool, *, asked: bool) -> None:
    if production and not asked:
        click.echo("No demo accounts in production (pass --demo-users for ones with random passwords).")
    if users:
        heading = "passwords shown once; store them now" if production else "development only"
        click.echo(f"Demo accounts ({heading}):")
        for role, email, password in users:
            click.echo(f"  {role:<9} {email:<26} {password or '(exists; password unchanged)'}")
    if production:
        for email in published_password_accounts():
            click.secho(
                f"Warning: {email} still accepts its published demo password; change it or deactivate the account.",
                err=True,
                fg="red",
            )


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
    for command in (seed_command, create_admin_command, tokens_command, orders_cli, auth_cli):
        app.cli.add_command(command)
