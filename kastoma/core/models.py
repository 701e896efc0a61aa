"""Site settings and email templates (both editable by shop staff), and storefront page views."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kastoma.extensions import db
from kastoma.models import Timestamped, UUIDPrimaryKey, str_enum, utcnow


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


class PageView(UUIDPrimaryKey, db.Model):
    """One page a storefront reports as viewed. No IP address, user agent or account is kept:
    the path, the product it shows (if any) and the host that referred to it."""

    __tablename__ = "page_views"
    __table_args__ = (Index("ix_page_views_created_at", "created_at"), Index("ix_page_views_product_id", "product_id"))

    path: Mapped[str] = mapped_column(String(500))
    # No foreign key: a view is a fact about the past, kept when a product is removed.
    product_id: Mapped[uuid.UUID | None]
    referrer_host: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
