"""`flask seed` is idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from kastoma.core.models import EmailTemplate, SiteSetting
from kastoma.extensions import db


def test_seed_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "Seeded 9 settings, 10 email templates and 3 coupons" in first.output
    counts = (
        db.session.scalar(select(func.count(SiteSetting.id))),
        db.session.scalar(select(func.count(EmailTemplate.id))),
    )
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0 and "Seeded 0 settings, 0 email templates and 0 coupons" in second.output
    assert (
        counts
        == (
            db.session.scalar(select(func.count(SiteSetting.id))),
            db.session.scalar(select(func.count(EmailTemplate.id))),
        )
        == (9, 10)
    )
