"""`core/api-stats/`: requests by method, endpoint and status with their latency, read from the
process's Prometheus metrics (so compared before and after: other tests' requests count too)."""

from __future__ import annotations

import pytest

API_STATS = "/api/v1/core/api-stats/"
LIST = "/api/v1/products/"
DETAIL = "/api/v1/products/<ref:id_or_slug>/"


def api_stats(client, headers) -> dict:
    r = client.get(API_STATS, headers=headers)
    assert r.status_code == 200, r.get_json()
    assert r.headers["Cache-Control"] == "private, no-store"
    return r.get_json()["data"]


def entry(data: dict, endpoint: str, method: str = "GET") -> dict:
    found = [e for e in data["endpoints"] if (e["method"], e["endpoint"]) == (method, endpoint)]
    assert len(found) <= 1
    return found[0] if found else {"requests": 0, "by_status": {}}


def grew(before: dict, after: dict) -> dict[str, int]:
    statuses = set(before) | set(after)
    return {s: after.get(s, 0) - before.get(s, 0) for s in statuses if after.get(s, 0) != before.get(s, 0)}


@pytest.mark.parametrize("who, status", [(None, 401), ("customer", 403)])
def test_only_staff_read_the_api_statistics(client, customer, auth_headers, who, status):
    headers = auth_headers(customer) if who else {}
    assert client.get(API_STATS, headers=headers).status_code == status


def test_requests_are_counted_by_method_status_and_endpoint(client, staff, auth_headers, make_product):
    make_product(stock=3)
    headers = auth_headers(staff)
    before = api_stats(client, headers)
    for _ in range(3):
        assert client.get(LIST).status_code == 200
    assert client.get(f"{LIST}no-such-product/").status_code == 404
    after = api_stats(client, headers)

    # Three listings, one 404, and the first api-stats call (counted once it was answered).
    assert after["requests"] - before["requests"] == 5
    assert grew(before["by_status"], after["by_status"]) == {"200": 4, "404": 1}
    listing = entry(after, LIST)
    assert listing["requests"] - entry(before, LIST)["requests"] == 3
    assert grew(entry(before, LIST)["by_status"], listing["by_status"]) == {"200": 3}
    assert grew(entry(before, DETAIL)["by_status"], entry(after, DETAIL)["by_status"]) == {"404": 1}
    assert grew(entry(before, API_STATS)["by_status"], entry(after, API_STATS)["by_status"]) == {"200": 1}
    assert entry(after, LIST, method="POST")["requests"] == entry(before, LIST, method="POST")["requests"]
    for timed in (listing, entry(after, DETAIL)):
        assert isinstance(timed["average_ms"], float) and timed["average_ms"] >= 0
        assert isinstance(timed["p95_ms"], float) and timed["p95_ms"] >= 0
    assert after["by_status"] == {
        status: sum(e["by_status"].get(status, 0) for e in after["endpoints"]) for status in after["by_status"]
    }
    assert after["requests"] == sum(e["requests"] for e in after["endpoints"])
