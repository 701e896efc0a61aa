"""The declarative base: UUID keys, aware UTC timestamps and named constraints."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from kastoma.core.models import SiteSetting
from kastoma.extensions import db


def test_rows_get_uuid_and_aware_utc_timestamps(app):
    row = SiteSetting(key="k", value="v")
    db.session.add(row)
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.scalar(select(SiteSetting).where(SiteSetting.key == "k"))
    assert isinstance(loaded.id, uuid.UUID)
    assert loaded.created_at.tzinfo is not None and loaded.created_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - loaded.created_at) < timedelta(minutes=1)


def test_other_time_zones_are_stored_as_utc(app):
    paris = timezone(timedelta(hours=1))
    row = SiteSetting(key="tz", value="v", created_at=datetime(2026, 1, 1, 13, 0, tzinfo=paris))
    db.session.add(row)
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.scalar(select(SiteSetting).where(SiteSetting.key == "tz"))
    assert loaded.created_at == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert loaded.created_at.tzinfo == UTC


def test_naive_datetimes_are_refused(app):
    db.session.add(SiteSetting(key="naive", value="v", created_at=datetime(2026, 1, 1)))  # noqa: DTZ001
    with pytest.raises(StatementError, match="naive"):
        db.session.flush()
    db.session.rollback()


def test_constraints_have_conventional_names(app):
    table = db.metadata.tables["site_settings"]
    names = {c.name for c in table.constraints}
    assert {"pk_site_settings", "uq_site_settings_key"} <= names
