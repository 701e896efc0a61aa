"""/metrics under gunicorn: with PROMETHEUS_MULTIPROC_DIR every scrape sums all the workers."""

from __future__ import annotations

import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families

from tests.live import request
from tests.servers import database_url, gunicorn_server, server_environment, tag

pytestmark = pytest.mark.multi


def counted(families, endpoint: str) -> float:
    """Requests to `endpoint` in these metric families."""
    return sum(
        sample.value
        for family in families
        for sample in family.samples
        if sample.name == "kastoma_http_requests_total" and sample.labels["endpoint"] == endpoint
    )


def requests_to(base: str, endpoint: str) -> float:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:  # noqa: S310 - loopback
        return counted(text_string_to_metric_families(response.read().decode()), endpoint)


def per_worker(metrics_dir: Path, endpoint: str) -> dict[str, float]:
    """{pid: requests to `endpoint`}, from each worker's own counter file collected alone."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        alone = metrics_dir.parent / f"alone-{path.name}"
        alone.mkdir(exist_ok=True)
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))
        counts[path.name.rsplit("_", 1)[-1].removesuffix(".db")] = counted(registry.collect(), endpoint)
    return counts


def test_every_worker_is_counted(server_database, server_redis, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    env = server_environment(
        database_url(server_database, application_name=tag()),
        redis_url=server_redis.url(),
        cache_prefix=server_redis.prefix,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    with gunicorn_server(env, log_dir=tmp_path) as server:
        workers = {str(pid) for pid in server.workers()}
        before = requests_to(server.base, "/health/live/")
        started = per_worker(metrics_dir, "/health/live/")

        def answered() -> set[str]:
            now = per_worker(metrics_dir, "/health/live/")
            return {pid for pid, count in now.items() if count > started.get(pid, 0)}

        # A new connection each, until every worker has answered some: which worker accepts a
        # connection is the kernel's choice, so a fixed number of requests may all reach one.
        sent, deadline = 0, time.monotonic() + 30
        while sent < 40 or not workers <= answered():
            assert time.monotonic() < deadline, f"workers {workers - answered()} never answered"
            assert request(server.base, "GET", "/health/live/").status == 200
            sent += 1
        assert requests_to(server.base, "/health/live/") - before == sent
