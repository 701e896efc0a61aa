"""`/health/` endpoints: liveness, readiness (database + migrations) and a detailed report."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.health.checks import check_cache, check_database, check_migrations
from kastoma.version import __version__

blp = Blueprint(
    "health",
    __name__,
    url_prefix="/health",
    envelope=False,
    description="Liveness and readiness probes (plain bodies, no envelope).",
)

NO_STORE = {"Cache-Control": "no-store"}


class CheckSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"enum": ["up", "down", "pending"]})
    latency_ms = ma.fields.Float(required=True)
    backend = ma.fields.String()
    current = ma.fields.List(ma.fields.String())
    head = ma.fields.List(ma.fields.String())


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)
    service = ma.fields.String()
    version = ma.fields.String()
    timestamp = ma.fields.DateTime()
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(CheckSchema))


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Service liveness and version"""
        return {"status": "healthy", "service": "kastoma", "version": __version__, "timestamp": _now()}, NO_STORE


@blp.route("/live/")
class Live(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Liveness probe: the process answers (no dependency is checked)"""
        return {"status": "alive", "timestamp": _now()}, NO_STORE


@blp.route("/ready/")
class Ready(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="Database unreachable or migrations pending")
    def get(self):
        """Readiness probe: the database answers and its schema is up to date"""
        checks = {"database": check_database()}
        if checks["database"]["status"] == "up":
            checks["migrations"] = check_migrations()
        ready = all(c["status"] == "up" for c in checks.values())
        body = {"status": "ready" if ready else "not_ready", "timestamp": _now(), "checks": checks}
        return body, 200 if ready else 503, NO_STORE


@blp.route("/detailed/")
class Detailed(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="Degraded: database down or migrations pending")
    def get(self):
        """Every dependency with its latency"""
        checks = {"database": check_database(), "cache": check_cache()}
        if checks["database"]["status"] == "up":
            checks["migrations"] = check_migrations()
        else:
            checks["migrations"] = {"status": "down", "latency_ms": 0.0}
        healthy = all(c["status"] == "up" for c in checks.values())
        critical_ok = checks["database"]["status"] == "up" and checks["migrations"]["status"] == "up"
        body = {
            "status": "healthy" if healthy else "degraded",
            "service": "kastoma",
            "version": __version__,
            "timestamp": _now(),
            "checks": checks,
        }
        return body, 200 if critical_ok else 503, NO_STORE
