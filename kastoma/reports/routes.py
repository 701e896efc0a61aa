"""`/api/v1/core/analytics/`: sales figures for staff (the back office dashboard uses them too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.reports.sales import sales_report
from kastoma.reports.schemas import AnalyticsQuerySchema, SalesReportSchema
from kastoma.roles import Role

blp = Blueprint("analytics", __name__, url_prefix="/api/v1/core/analytics", description="Sales analytics for staff.")


@blp.route("/sales/")
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
