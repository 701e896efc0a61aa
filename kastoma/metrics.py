"""Prometheus metrics at `/metrics`: requests and latency per endpoint and status, database pool use.

Who may scrape: a client on loopback, or anyone sending `Authorization: Bearer $METRICS_TOKEN`;
everyone else gets a 404, as if there were nothing there. With several gunicorn workers set
PROMETHEUS_MULTIPROC_DIR to an empty directory: each worker writes its numbers there and every
scrape sums them (kastoma/gunicorn_conf.py empties it at start and drops dead workers' gauges).
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from kastoma.extensions import db

LOOPBACK = {"127.0.0.1", "::1"}

REQUESTS_METRIC = "kastoma_http_requests"  # samples: _total
LATENCY_METRIC = "kastoma_http_request_duration_seconds"  # samples: _bucket, _sum, _count
REQUESTS = Counter(REQUESTS_METRIC, "HTTP requests answered, by endpoint and status.", ["method", "endpoint", "status"])
LATENCY = Histogram(
    LATENCY_METRIC,
    "Time to answer a request, by endpoint.",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
POOL_IN_USE = Gauge(
    "kastoma_db_pool_connections_in_use", "Database connections checked out of the pool.", multiprocess_mode="livesum"
)
POOL_OPEN = Gauge(
    "kastoma_db_pool_connections_open", "Database connections the pool holds open.", multiprocess_mode="livesum"
)


def init_metrics(app: Flask) -> None:
    if not app.config["METRICS_ENABLED"]:
        return
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", _metrics_view)


def _observe(response: Response) -> Response:
    rule = request.url_rule
    endpoint = rule.rule if rule is not None else "unmatched"  # route templates: bounded label values
    REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    started = g.get("request_started")
    if started is not None:
        LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
    # Every pool of the worker: the session's and, on PostgreSQL, the listings' autocommit one.
    pools = [engine.pool for engine in db.engines.values() if hasattr(engine.pool, "checkedout")]
    if pools:
        POOL_IN_USE.set(sum(pool.checkedout() for pool in pools))
        POOL_OPEN.set(sum(pool.checkedin() + pool.checkedout() for pool in pools))
    return response


def _allowed() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(sent.encode(), token.encode())
    return request.remote_addr in LOOPBACK


def registry() -> CollectorRegistry:
    """This process's metrics, or every worker's summed (PROMETHEUS_MULTIPROC_DIR)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    summed = CollectorRegistry()
    multiprocess.MultiProcessCollector(summed)
    return summed


def _metrics_view() -> Response:
    if not _allowed():
        abort(404)
    return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)
