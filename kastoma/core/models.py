"""Site settings and email templates, both editable by shop staff."""

from __future__ import annotations

import enum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kastoma.extensions import db
from kastoma.models import Timestamped, UUIDPrimaryKey, str_enum


class SettingType(enum.StrEnum):
    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    JSON = "json"


class SiteSetting(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(100), unique=True)
    value: Mapped[str] = mapped_column(Text, default="")
    value_type: Mapped[SettingType] = mapped_column(str_enum(SettingType, "setting_type"), default=SettingType.STRING)
    is_public: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(String(255), default="")

    def __repr__(self) -> str:
        return f"<SiteSetting {self.key}={self.value!r}>"


class EmailTemplate(UUIDPrimaryKey, Timestamped, db.Model):
    __tablename__ = "email_templates"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<EmailTemplate {self.name}>"
