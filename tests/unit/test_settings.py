"""Typed site settings: defaults, stored overrides, validation, and the public endpoint."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from kastoma.core.models import SettingType, SiteSetting
from kastoma.core.settings import all_settings, ensure_default_settings, get_setting, set_setting
from kastoma.errors import NotFound, ValidationFailed
from kastoma.extensions import db


def test_defaults_apply_until_overridden(app):
    assert get_setting("currency") == "USD"
    assert get_setting("shipping_rate_express") == Decimal("12.99")
    assert get_setting("tax_rate") == Decimal("0")
    set_setting("tax_rate", Decimal("7.5"))
    db.session.commit()
    stored = db.session.scalar(select(SiteSetting).where(SiteSetting.key == "tax_rate"))
    assert stored.value == "7.5" and stored.value_type is SettingType.DECIMAL
    assert get_setting("tax_rate") == Decimal("7.5")


def test_values_are_checked_against_their_type(app):
    with pytest.raises(ValidationFailed) as exc:
        set_setting("free_shipping_threshold", "lots")
    assert "value" in exc.value.errors
    with pytest.raises(ValidationFailed):
        set_setting("tax_rate", "NaN")
    with pytest.raises(NotFound):
        get_setting("no_such_setting")


@pytest.mark.parametrize(
    ("value_type", "raw", "expected"),
    [
        (SettingType.INTEGER, "42", 42),
        (SettingType.BOOLEAN, "yes", True),
        (SettingType.BOOLEAN, "off", False),
        (SettingType.JSON, '{"a": [1, 2]}', {"a": [1, 2]}),
        (SettingType.DECIMAL, "0.10", Decimal("0.10")),
    ],
)
def test_custom_settings_are_typed(app, value_type, raw, expected):
    db.session.add(SiteSetting(key="custom", value=raw, value_type=value_type))
    db.session.commit()
    assert get_setting("custom") == expected


def test_broken_stored_value_falls_back_to_default(app):
    db.session.add(SiteSetting(key="tax_rate", value="not-a-number", value_type=SettingType.DECIMAL))
    db.session.commit()
    assert get_setting("tax_rate") == Decimal("0")


def test_ensure_defaults_is_idempotent(app):
    created = ensure_default_settings()
    db.session.commit()
    assert created == len(all_settings())
    assert ensure_default_settings() == 0


def test_public_endpoint_hides_private_settings(client):
    db.session.add(SiteSetting(key="internal_api_key", value="s3cret", is_public=False))
    set_setting("store_name", "Acme Outfitters")
    db.session.commit()
    r = client.get("/api/v1/core/settings/")
    assert r.status_code == 200
    settings = r.get_json()["data"]["settings"]
    assert settings["store_name"] == "Acme Outfitters"
    assert settings["shipping_rate_standard"] == "5.99"
    assert settings["free_shipping_threshold"] == "100.00"
    assert "internal_api_key" not in settings


def test_setting_changes_apply_to_the_next_request(client):
    """Settings are cached under a version of their own: a committed change, through
    `set_setting` or an edit of the row (the back office), is what the next request reads."""

    def store_name() -> str:
        response = client.get("/api/v1/core/settings/")
        assert response.status_code == 200
        return response.get_json()["data"]["settings"]["store_name"]

    assert store_name() == "Kastoma Store"
    set_setting("store_name", "Acme Outfitters")
    db.session.commit()
    assert store_name() == "Acme Outfitters"
    row = db.session.scalar(select(SiteSetting).where(SiteSetting.key == "store_name"))
    row.value = "Acme & Sons"
    db.session.commit()
    assert store_name() == "Acme & Sons"


def test_an_uncommitted_setting_is_read_back_and_a_rolled_back_one_forgotten(app):
    assert get_setting("tax_rate") == Decimal("0")  # now cached
    set_setting("tax_rate", Decimal("99"))
    assert get_setting("tax_rate") == Decimal("99"), "the writer reads its own write"
    db.session.rollback()
    assert get_setting("tax_rate") == Decimal("0"), "nothing of the rolled-back write was cached"
