"""`flask` commands for operators: seeding demo data (more commands join as domains land)."""

from __future__ import annotations

import click
from flask import Flask

from kastoma.core.emails import ensure_default_templates
from kastoma.core.settings import ensure_default_settings
from kastoma.extensions import db


@click.command("seed")
def seed_command() -> None:
    """Load idempotent demo data: site settings and email templates."""
    settings = ensure_default_settings()
    templates = ensure_default_templates()
    db.session.commit()
    click.echo(f"Seeded {settings} settings and {templates} email templates.")


def init_cli(app: Flask) -> None:
    app.cli.add_command(seed_command)
