"""/metrics under gunicorn: with PROMETHEUS_MULTIPROC_DIR every scrape sums all the workers."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.live import request
from tests.servers import database_url, gunicorn_server, server_environment, tag

pytestmark = pytest.mark.multi


def requests_to(base: str, endpoint: str) -> float:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:  # noqa: S310 - loopback
        text = response.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "kastoma_http_requests_total" and sample.labels["endpoint"] == endpoint
    )


def test_every_worker_is_counted(server_database, server_redis, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    env = server_environment(
        database_url(server_database, application_name=tag()),
        redis_url=server_redis.url(),
        cache_prefix=server_redis.prefix,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    with gunicorn_server(env, log_dir=tmp_path) as server:
        before = requests_to(server.base, "/health/live/")
        for _ in range(40):  # a new connection each: both workers take some
            assert request(server.base, "GET", "/health/live/").status == 200
        assert requests_to(server.base, "/health/live/") - before == 40
        writers = {path.name.rsplit("_", 1)[-1].removesuffix(".db") for path in metrics_dir.glob("counter_*.db")}
        assert {str(pid) for pid in server.workers()} <= writers
