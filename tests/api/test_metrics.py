"""Prometheus metrics at /metrics: per-endpoint request counts and latency, pool use, and who may scrape."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    r = client.get("/metrics", **kwargs)
    assert r.status_code == 200 and r.mimetype == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(r.get_data(as_text=True))
        for sample in family.samples
    }


def requests_total(metrics, endpoint: str, status: str, method: str = "GET") -> float:
    key = ("kastoma_http_requests_total", (("endpoint", endpoint), ("method", method), ("status", status)))
    return metrics.get(key, 0.0)


def test_requests_are_counted_and_timed_per_endpoint_and_status(client, make_product):
    product = make_product()
    before = scrape(client)
    for _ in range(3):
        assert client.get(f"/api/v1/products/{product.slug}/").status_code == 200
    assert client.get("/api/v1/products/no-such-thing/").status_code == 404
    assert client.get("/no/such/route").status_code == 404
    after = scrape(client)

    detail = "/api/v1/products/<ref:id_or_slug>/"
    assert requests_total(after, detail, "200") - requests_total(before, detail, "200") == 3
    assert requests_total(after, detail, "404") - requests_total(before, detail, "404") == 1
    assert requests_total(after, "unmatched", "404") - requests_total(before, "unmatched", "404") == 1
    timed = ("kastoma_http_request_duration_seconds_count", (("endpoint", detail), ("method", "GET")))
    assert after[timed] - before.get(timed, 0.0) == 4
    assert ("kastoma_db_pool_connections_in_use", ()) in after


def test_only_loopback_may_scrape_without_a_token(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200


@pytest.mark.parametrize("remote", ["127.0.0.1", "10.1.2.3"])
def test_with_a_token_every_scraper_must_send_it(app, client, monkeypatch, remote):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-scrape-token")
    environ = {"REMOTE_ADDR": remote}
    assert client.get("/metrics", environ_base=environ).status_code == 404
    wrong = {"Authorization": "Bearer guess"}
    assert client.get("/metrics", environ_base=environ, headers=wrong).status_code == 404
    scrape(client, environ_base=environ, headers={"Authorization": "Bearer s3cret-scrape-token"})
