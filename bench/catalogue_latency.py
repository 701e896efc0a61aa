"""Median latency of catalogue reads against a running server, cold, warm and cached.

Three ways to ask each URL (anonymous GETs over one keep-alive connection):

- cold:   the catalogue version is bumped in Redis before every request, so nothing is cached
          (response, count, category tree: everything is recomputed, as after a write);
- warm:   a throw-away query parameter makes every response key new, but the count and the
          category tree stay cached (a never-seen combination of known filters);
- cached: the same URL again and again (the response body comes from Redis).

Usage (server started with the same REDIS_URL and CACHE_KEY_PREFIX):

    python bench/catalogue_latency.py --base http://127.0.0.1:8011 --redis redis://127.0.0.1:6379/13 -n 50
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import time
from urllib.parse import urlsplit

import redis

DEFAULT_PATHS = (
    "/api/v1/products/?category_tree=electronics&min_price=50&ordering=-price",
    "/api/v1/products/search/?q=wireless+headphones",
    "/api/v1/products/search/?q=classic",
    "/api/v1/products/",
    "/api/v1/categories/tree/",
)


def timed_get(conn: http.client.HTTPConnection, path: str) -> float:
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status} {body[:200]!r}")
    return elapsed * 1000


def measure(conn, path: str, n: int, mode: str, bump) -> list[float]:
    samples = []
    for i in range(n):
        url = path
        if mode == "cold":
            bump()
        elif mode == "warm":
            url = f"{path}{'&' if '?' in path else '?'}_bench={time.time_ns()}-{i}"
        samples.append(timed_get(conn, url))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8011")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--prefix", default="kastoma:", help="the server's CACHE_KEY_PREFIX")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    args = parser.parse_args()

    store = redis.Redis.from_url(args.redis)
    version_key = f"{args.prefix}catalogue:version"

    def bump() -> None:
        store.incr(version_key)

    host = urlsplit(args.base)
    conn = http.client.HTTPConnection(host.hostname, host.port or 80, timeout=30)
    print(f"{'mode':<7} {'median ms':>9} {'p90 ms':>8} {'min ms':>7}  path")
    for path in args.paths:
        for _ in range(3):  # warm up the connection, the worker and PostgreSQL's buffers
            timed_get(conn, path)
        for mode in ("cold", "warm", "cached"):
            samples = sorted(measure(conn, path, args.n, mode, bump))
            p90 = samples[int(len(samples) * 0.9) - 1]
            print(f"{mode:<7} {statistics.median(samples):>9.1f} {p90:>8.1f} {samples[0]:>7.1f}  {path}")


if __name__ == "__main__":
    main()
