"""`/api/v1/core/analytics/` and `core/api-stats/`: sales figures and API traffic for staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.reports.api_stats import api_stats
from kastoma.reports.sales import sales_report
from kastoma.reports.schemas import AnalyticsQuerySchema, ApiStatsSchema, SalesReportSchema
from kastoma.roles import Role

blp = Blueprint("analytics", __name__, url_prefix="/api/v1/core", description="Sales and API analytics for staff.")


@blp.route("/analytics/sales/")
class SalesAnalytics(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(AnalyticsQuerySchema, location="query")
    @blp.response(200, SalesReportSchema)
    @blp.doc_errors(400)
    def get(self, query):
        """Staff: revenue, orders and average order value per day; orders by status; top products; low stock"""
        end = query.get("end") or datetime.now(UTC).date()
        start = query.get("start") or end - timedelta(days=29)
        if end < start:  # only one bound given, on the wrong side of the default
            start = end
        return sales_report(start, end), 200, {"Cache-Control": "private, no-store"}


@blp.route("/api-stats/")
class ApiStats(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, ApiStatsSchema)
    def get(self):
        """Staff: requests by method, endpoint and status, with average and p95 latency (from the metrics)"""
        return api_stats(), 200, {"Cache-Control": "private, no-store"}
