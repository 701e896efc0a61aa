"""Requests and latency per endpoint, read from the Prometheus metrics Kastoma keeps anyway
(kastoma/metrics.py): nothing is written per request for them. Since each process started, or
for every worker together with PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from kastoma.metrics import LATENCY_METRIC, REQUESTS_METRIC, registry

QUANTILE = 0.95


def _quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus's histogram_quantile: linear within the bucket holding the q-th observation."""
    buckets = sorted(buckets)
    total = buckets[-1][1] if buckets else 0
    if not total:
        return None
    rank, lower, below = q * total, 0.0, 0.0
    for upper, cumulative in buckets:
        if cumulative >= rank:
            if math.isinf(upper):
                return lower  # beyond the last finite bound: its bound is the best estimate
            inside = cumulative - below
            return lower + (upper - lower) * ((rank - below) / inside if inside else 0)
        lower, below = upper, cumulative
    return lower


def api_stats() -> dict[str, Any]:
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    seconds: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {"sum": 0.0, "count": 0, "buckets": {}})
    requests_name, latency_name = REQUESTS_METRIC, LATENCY_METRIC
    for metric in registry().collect():
        for sample in metric.samples:
            labels = sample.labels
            key = (labels.get("method", ""), labels.get("endpoint", ""))
            if sample.name == f"{requests_name}_total":
                status = labels["status"]
                counts[key][status] = counts[key].get(status, 0) + int(sample.value)
            elif sample.name == f"{latency_name}_sum":
                seconds[key]["sum"] += sample.value
            elif sample.name == f"{latency_name}_count":
                seconds[key]["count"] += int(sample.value)
            elif sample.name == f"{latency_name}_bucket":
                bound = float(labels["le"])
                seconds[key]["buckets"][bound] = seconds[key]["buckets"].get(bound, 0) + sample.value
    endpoints = []
    for (method, endpoint), by_status in sorted(counts.items(), key=lambda item: (item[0][1], item[0][0])):
        timing = seconds.get((method, endpoint), {"sum": 0.0, "count": 0, "buckets": {}})
        p95 = _quantile(QUANTILE, list(timing["buckets"].items()))
        endpoints.append(
            {
                "method": method,
                "endpoint": endpoint,
                "requests": sum(by_status.values()),
                "by_status": dict(sorted(by_status.items())),
                "average_ms": round(timing["sum"] / timing["count"] * 1000, 2) if timing["count"] else None,
                "p95_ms": round(p95 * 1000, 2) if p95 is not None else None,
            }
        )
    by_status: dict[str, int] = defaultdict(int)
    for entry in endpoints:
        for status, n in entry["by_status"].items():
            by_status[status] += n
    return {
        "requests": sum(e["requests"] for e in endpoints),
        "by_status": dict(sorted(by_status.items())),
        "endpoints": endpoints,
    }
