"""Typed site settings: defaults in code, overrides in the `site_settings` table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from kastoma.core.models import EmailTemplate, SettingType, SiteSetting
from kastoma.errors import Conflict, NotFound, ValidationFailed
from kastoma.extensions import db
from kastoma.versioned import Namespace


@dataclass(frozen=True)
class SettingSpec:
    value_type: SettingType
    default: Any
    is_public: bool
    description: str


D = SettingType.DECIMAL
DEFAULT_SETTINGS: dict[str, SettingSpec] = {
    "store_name": SettingSpec(SettingType.STRING, "Kastoma Store", True, "Shown in emails and the back office."),
    "currency": SettingSpec(SettingType.STRING, "USD", True, "ISO 4217 code of every price."),
    "support_email": SettingSpec(SettingType.STRING, "support@kastoma.local", True, "Reply-to for customers."),
    "shipping_rate_standard": SettingSpec(D, Decimal("5.99"), True, "Standard shipping rate."),
    "shipping_rate_express": SettingSpec(D, Decimal("12.99"), True, "Express shipping rate."),
    "shipping_rate_overnight": SettingSpec(D, Decimal("24.99"), True, "Overnight shipping rate."),
    "shipping_rate_international": SettingSpec(D, Decimal("15.99"), True, "International shipping rate."),
    "free_shipping_threshold": SettingSpec(
        D, Decimal("100.00"), True, "Standard shipping is free from this order value (after discount)."
    ),
    "tax_rate": SettingSpec(D, Decimal("0"), True, "Tax in percent of (subtotal - discount)."),
}


def parse_value(value_type: SettingType, raw: str) -> Any:
    """Turn a stored string into its typed value; raise ValueError when it does not fit."""
    if value_type is SettingType.STRING:
        return raw
    if value_type is SettingType.INTEGER:
        return int(raw)
    if value_type is SettingType.DECIMAL:
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            raise ValueError(f"{raw!r} is not a decimal number") from exc
        if not value.is_finite():
            raise ValueError(f"{raw!r} is not a finite number")
        return value
    if value_type is SettingType.BOOLEAN:
        lowered = raw.strip().lower()
        if lowered in {"true", "1", "yes", "on"}:
            return True
        if lowered in {"false", "0", "no", "off"}:
            return False
        raise ValueError(f"{raw!r} is not a boolean")
    return json.loads(raw)


def format_value(value_type: SettingType, value: Any) -> str:
    if value_type is SettingType.BOOLEAN:
        return "true" if value else "false"
    if value_type is SettingType.JSON:
        return json.dumps(value)
    return str(value)


# Settings and email templates change rarely and are read by most writes (a checkout reads six
# settings and the order email's template): cached under a version of their own, which only
# their own writes bump (the catalogue's is bumped by every sale).
SITE_CONFIG = Namespace("site-config", (SiteSetting, EmailTemplate))


def _load_settings() -> dict[str, tuple[str, str, bool]]:
    # Plain data (no class of ours): what the shared cache holds must load in any release.
    return {
        row.key: (row.value_type.value, row.value, row.is_public) for row in db.session.scalars(select(SiteSetting))
    }


def _stored_settings() -> dict[str, tuple[str, str, bool]]:
    """{key: (value type, raw value, is public)} of the stored rows."""
    return SITE_CONFIG.cached("settings", None, _load_settings)


def get_setting(key: str) -> Any:
    """The typed value of `key`: the stored override when valid, else the default."""
    spec = DEFAULT_SETTINGS.get(key)
    stored = _stored_settings().get(key)
    if stored is not None:
        value_type, raw, _public = stored
        try:
            return parse_value(SettingType(value_type), raw)
        except (ValueError, TypeError):
            if spec is None:
                raise
    if spec is None:
        raise NotFound(f"Unknown setting {key!r}.")
    return spec.default


def all_settings(public_only: bool = False) -> dict[str, Any]:
    stored = _stored_settings()
    result = {}
    for key in sorted(set(DEFAULT_SETTINGS) | set(stored)):
        spec = DEFAULT_SETTINGS.get(key)
        is_public = stored[key][2] if key in stored else bool(spec and spec.is_public)
        if public_only and not is_public:
            continue
        result[key] = get_setting(key)
    return result


def set_setting(key: str, value: Any) -> SiteSetting:
    """Create or update a setting after checking the value fits its type. Does not commit."""
    row = db.session.scalar(select(SiteSetting).where(SiteSetting.key == key))
    spec = DEFAULT_SETTINGS.get(key)
    value_type = row.value_type if row is not None else (spec.value_type if spec else SettingType.STRING)
    raw = format_value(value_type, value)
    try:
        parse_value(value_type, raw)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(errors={"value": [str(exc)]}) from exc
    if row is None:
        row = SiteSetting(
            key=key,
            value_type=value_type,
            is_public=spec.is_public if spec else False,
            description=spec.description if spec else "",
        )
        db.session.add(row)
    row.value = raw
    return row


def ensure_default_settings() -> int:
    """Store every default setting that has no row yet (used by `flask seed`)."""
    created = 0
    stored = _load_settings()
    for key, spec in DEFAULT_SETTINGS.items():
        if key not in stored:
            set_setting(key, spec.default)
            created += 1
    return created


# --- Settings as staff manage them through the API ------------------------------------------------

# The JSON values each type takes (a decimal also as a string, as money is everywhere).
JSON_TYPES: dict[SettingType, tuple[type, ...]] = {
    SettingType.STRING: (str,),
    SettingType.INTEGER: (int,),
    SettingType.DECIMAL: (str, int, float),
    SettingType.BOOLEAN: (bool,),
    SettingType.JSON: (dict, list, str, int, float, bool, type(None)),
}


@dataclass(frozen=True)
class SettingView:
    key: str
    value: Any
    value_type: SettingType
    is_public: bool
    description: str
    is_default: bool  # no stored value: the shipped default applies


def typed_value(value_type: SettingType, value: Any) -> Any:
    """`value` (from a JSON body) as a setting of `value_type`, or a 400 naming `value`."""
    wrong_json = not isinstance(value, JSON_TYPES[value_type]) or (
        value_type is not SettingType.BOOLEAN and value_type is not SettingType.JSON and isinstance(value, bool)
    )
    if wrong_json:
        raise ValidationFailed(errors={"value": [f"A {value_type.value} value is expected."]})
    try:
        return parse_value(value_type, format_value(value_type, value))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(errors={"value": [str(exc)]}) from exc


def setting_views() -> list[SettingView]:
    rows = {row.key: row for row in db.session.scalars(select(SiteSetting))}
    return [setting_view(key, rows.get(key)) for key in sorted(set(DEFAULT_SETTINGS) | set(rows))]


def setting_view(key: str, row: SiteSetting | None = None) -> SettingView:
    row = row if row is not None else db.session.scalar(select(SiteSetting).where(SiteSetting.key == key))
    spec = DEFAULT_SETTINGS.get(key)
    if row is None and spec is None:
        raise NotFound(f"Unknown setting {key!r}.")
    if row is None:
        return SettingView(key, spec.default, spec.value_type, spec.is_public, spec.description, True)
    try:
        value = parse_value(row.value_type, row.value)
    except (ValueError, TypeError):  # a broken stored value: what get_setting serves, the default
        value = spec.default if spec else row.value
    return SettingView(key, value, row.value_type, row.is_public, row.description, False)


def create_setting(data: dict[str, Any]) -> SettingView:
    """A setting of the shop's own (a shipped one is edited, not created)."""
    key = data["key"]
    exists = key in DEFAULT_SETTINGS or db.session.scalar(select(SiteSetting.id).where(SiteSetting.key == key))
    if exists:
        raise Conflict(f"The setting {key!r} exists; change it with PATCH.", code="setting_exists")
    value_type = data["value_type"]
    row = SiteSetting(
        key=key,
        value_type=value_type,
        value=format_value(value_type, typed_value(value_type, data["value"])),
        is_public=data.get("is_public", False),
        description=data.get("description", ""),
    )
    db.session.add(row)
    db.session.flush()
    return setting_view(key, row)


def update_setting(key: str, data: dict[str, Any]) -> SettingView:
    current = setting_view(key)  # 404 for an unknown key
    row = db.session.scalar(select(SiteSetting).where(SiteSetting.key == key))
    if row is None:
        row = set_setting(key, current.value)
    if "value" in data:
        row.value = format_value(row.value_type, typed_value(row.value_type, data["value"]))
    for field in ("is_public", "description"):
        if field in data:
            setattr(row, field, data[field])
    return setting_view(key, row)


def delete_setting(key: str) -> SettingView:
    """A shipped setting goes back to its default; one of the shop's own is removed."""
    view = setting_view(key)
    row = db.session.scalar(select(SiteSetting).where(SiteSetting.key == key))
    if row is not None:
        db.session.delete(row)
    db.session.flush()
    return setting_view(key) if key in DEFAULT_SETTINGS else view
