"""Storefront page views: recorded for anyone (no IP address, user agent or account kept), and
counted for staff by day, path and product.

Functions take plain data, raise DomainErrors and never commit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Date, Select, cast, func, select

from kastoma.core.models import PageView
from kastoma.extensions import db

TOP = 10


def record(data: dict[str, Any]) -> PageView:
    """One view. Of the referrer only its host is kept (no path, no query: they can carry
    personal data, such as a search or an e-mail address)."""
    referrer = data.get("referrer") or ""
    view = PageView(
        path=data["path"],
        product_id=data.get("product_id"),
        referrer_host=(urlsplit(referrer).hostname or "")[:255] if referrer else "",
    )
    db.session.add(view)
    db.session.flush()
    return view


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, UTC), datetime.combine(end + timedelta(days=1), time.min, UTC)


def _filtered(stmt: Select, query: dict[str, Any]) -> Select:
    if query.get("path"):
        stmt = stmt.where(PageView.path.startswith(query["path"], autoescape=True))
    if query.get("product_id"):
        stmt = stmt.where(PageView.product_id == query["product_id"])
    if query.get("start") or query.get("end"):
        lo, hi = _bounds(query.get("start") or date.min, query.get("end") or date.max - timedelta(days=1))
        stmt = stmt.where(PageView.created_at >= lo, PageView.created_at < hi)
    return stmt


def list_views(query: dict[str, Any]) -> Select:
    return _filtered(select(PageView), query).order_by(PageView.created_at.desc(), PageView.id)


def summary(query: dict[str, Any], start: date, end: date) -> dict[str, Any]:
    """Views of `start`..`end` (UTC days): in all, per day, and the most viewed paths and products."""
    scoped = {**query, "start": start, "end": end}
    day = cast(PageView.created_at, Date) if db.engine.dialect.name == "postgresql" else func.date(PageView.created_at)
    per_day = dict(db.session.execute(_filtered(select(day, func.count()), scoped).group_by(day)).all())
    per_day = {str(d): n for d, n in per_day.items()}
    paths = db.session.execute(
        _filtered(select(PageView.path, func.count().label("n")), scoped)
        .group_by(PageView.path)
        .order_by(func.count().desc(), PageView.path)
        .limit(TOP)
    ).all()
    products = db.session.execute(
        _filtered(select(PageView.product_id, func.count().label("n")), scoped)
        .where(PageView.product_id.is_not(None))
        .group_by(PageView.product_id)
        .order_by(func.count().desc(), PageView.product_id)
        .limit(TOP)
    ).all()
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return {
        "start": start,
        "end": end,
        "views": sum(per_day.values()),
        "by_day": [{"date": d, "views": per_day.get(d.isoformat(), 0)} for d in days],
        "top_paths": [{"path": p, "views": n} for p, n in paths],
        "top_products": [{"product_id": p, "views": n} for p, n in products],
    }
