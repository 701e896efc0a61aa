"""The benchmark suite (issue 8): `make bench`, i.e. `.venv/bin/python -m bench.run`.

1. wrk (apt-get install when missing); the data set: database `kastoma_bench`, migrations,
   `flask seed --products 100000` timed (skipped when already there, unless --reseed), then
   customers and past orders in proportion (bench/dataset.py).
2. Kastoma under gunicorn with its production configuration (KASTOMA_ENV=production, strong
   generated secrets, LOG_LEVEL=WARNING, Redis db 13, rate limits off), and the ceiling app
   (bench/ceiling_app.py) under the same gunicorn configuration and WEB_CONCURRENCY.
3. Per scenario: a ceiling run (at 16 and 64 connections in turn), a warm-up, then --runs runs
   at 16 and at 64 connections; worker RSS after every run; SQL statements per request; for
   the uncached reads, their SQL alone replayed by pgbench (bench/sql_alone.py).
4. Checkout: 16 parallel clients (add-to-cart + checkout) for --duration, --runs times, the
   stock invariant checked after each run, then a sell-out round for oversell.
5. bench/results/<timestamp>.json and a markdown table of every target, met or missed.

The machine is shared and noisy: only the ratios to the ceiling, measured in the same run,
compare across runs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import redis

from bench import dataset, machine
from bench.checkout import ORDER, checkout_run, sellout_run
from bench.load import THREADS, TIMEOUT_S, ensure_wrk, run_wrk
from bench.report import leak_mb, markdown, verdict
from bench.scenarios import CHECKOUT_CLIENTS, CONNECTIONS, SCENARIOS, Scenario
from bench.servers import Gunicorn
from bench.sql_alone import replay, request_sql
from bench.sql_counts import statements_per_request
from bench.workloads import Pools, Workload
from kastoma.demo.catalogue import vacuum_analyze

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SELLOUT_STOCK = 10
SELLOUT_ATTEMPTS_EACH = 4  # 16 clients x 4 buy-now attempts for 10 units


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=8, help="seconds per measured run (default 8)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per scenario (default 2)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per connection count (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s runs, 1 s warm-up, 1 run each")
    parser.add_argument("--only", nargs="*", metavar="SCENARIO", help="these scenarios (and `checkout`) only")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--database", default="kastoma_bench", help="a database name starting with kastoma_bench")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="the server, no db")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="a Redis db of the bench's own")
    parser.add_argument("--reseed", action="store_true", help="drop and recreate the database, seed it (timed)")
    parser.add_argument(
        "--pg-default-costs",
        action="store_true",
        help="keep random_page_cost = 4 instead of the 1.1 docs/PERFORMANCE.md recommends for SSDs",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.runs = 2, 1, 1
    known = {s.key for s in SCENARIOS} | {"checkout"}
    unknown = set(args.only or ()) - known
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {sorted(known)}")
    return args


def server_environment(database: dataset.Database, redis_url: str) -> dict[str, str]:
    """Production configuration; the same environment serves the ceiling app."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "TEST_DATABASE"))}
    env.update(
        KASTOMA_ENV="production",
        DATABASE_URL=database.url,
        REDIS_URL=redis_url,
        SECRET_KEY=secrets.token_urlsafe(48),
        JWT_SECRET_KEY=secrets.token_urlsafe(48),
        PAYMENT_WEBHOOK_SECRET=secrets.token_urlsafe(48),
        LOG_LEVEL="WARNING",
        RATELIMIT_ENABLED="false",
        # No SMTP server on the bench machine: confirmation emails are rendered, then logged
        # at INFO (dropped at WARNING) instead of being handed to an MTA.
        MAIL_BACKEND="console",
    )
    return env


def prepare_database(database: dataset.Database, env: dict[str, str], args: argparse.Namespace) -> dict:
    fresh = args.reseed or not database.exists()
    if fresh:
        database.create(drop_first=args.reseed)
    if not args.pg_default_costs:
        database.tune_for_ssd()
    dataset.flask(env, "db", "upgrade")
    seed = {"products": args.products, "seconds": None, "fresh_database": fresh}
    from kastoma import create_app

    with create_app("production").app_context():
        have = dataset.demo_products()
    if have < args.products:
        print(f"Seeding {args.products} products ({have} there)...", flush=True)
        seed["seconds"] = round(dataset.flask(env, "seed", "--products", str(args.products)), 1)
        seed["products_before"] = have
    else:
        print(f"Seed skipped: {have} demo products already there (--reseed to measure it).", flush=True)
    return seed


class Suite:
    def __init__(self, app, args, wrk: str, ceiling: Gunicorn, kastoma: Gunicorn, workdir: Path) -> None:
        self.app, self.args, self.wrk = app, args, wrk
        self.ceiling, self.kastoma, self.workdir = ceiling, kastoma, workdir
        self.cache = redis.Redis.from_url(args.redis)
        self.results: dict = {"ceiling": {str(c): [] for c in CONNECTIONS}, "scenarios": {}}

    def wanted(self, key: str) -> bool:
        return not self.args.only or key in self.args.only

    def log(self, message: str) -> None:
        print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)

    def ceiling_run(self, conns: int | None = None) -> None:
        """One ceiling run before every scenario, at 16 and 64 connections in turn: each count
        gets samples spread over the whole run, and their median is the reference."""
        samples = self.results["ceiling"]
        conns = conns or min(CONNECTIONS, key=lambda c: len(samples[str(c)]))
        result = run_wrk(self.wrk, f"{self.ceiling.base_url}/api/v1/products/", "get.lua", conns, self.args.duration)
        self.results["ceiling"][str(conns)].append(result.as_dict())
        self.log(f"  ceiling @{conns}: {result.rps:.0f} req/s, p99 {result.p99_ms:.1f} ms")

    def fill_cache(self, paths: list[str]) -> None:
        """Ask for every path of a cached scenario workers + 1 times: some worker then sees it a
        second time and stores its body (a body is stored on its URL's second request to the
        same process). The wrk warm-up alone filled the cache of 200 product pages only partly."""
        base = urlsplit(self.kastoma.base_url)
        for path in paths:
            for _ in range(len(self.kastoma.workers()) + 1):
                # A connection per request, as wrk's against sync workers: any worker may take it.
                connection = http.client.HTTPConnection(base.hostname, base.port, timeout=TIMEOUT_S)
                connection.request("GET", path)
                connection.getresponse().read()
                connection.close()

    def scenario(self, scenario: Scenario, pools: Pools) -> None:
        self.cache.flushdb()  # the bench's own Redis db: no stale or piled-up cache entries
        self.log(f"{scenario.key}: {scenario.title}")
        self.ceiling_run()
        with self.app.app_context():
            work = Workload.of(scenario, pools)
            env = work.wrk_env(self.workdir)
            work.before_run()
        # The same request three times: a body is stored on its URL's second request, so the
        # third finds what the earlier ones cached, as under load.
        statements = [statements_per_request(self.app, work.sample_request(0)) for _ in range(3)]
        url = f"{self.kastoma.base_url}{scenario.path}"
        if scenario.script == "get.lua" and not scenario.bust:
            self.fill_cache(work.paths or [scenario.path])
        warmup = run_wrk(self.wrk, url, scenario.script, CONNECTIONS[0], self.args.warmup, env)
        record = {"title": scenario.title, "sql_per_request": statements[-1], "warmup": warmup.as_dict(), "runs": {}}
        rss_series = [self.kastoma.worker_rss()]
        for conns in scenario.connections:
            runs = record["runs"][str(conns)] = []
            for _ in range(self.args.runs):
                with self.app.app_context():
                    work.before_run()
                result = run_wrk(self.wrk, url, scenario.script, conns, self.args.duration, env).as_dict()
                result["rss_mb"] = {str(pid): round(mb, 1) for pid, mb in self.kastoma.worker_rss().items()}
                rss_series.append(result["rss_mb"])
                runs.append(result)
                self.log(
                    f"  @{conns}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                    f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']}"
                    + (f" (first: {result['first_failure'][:120]})" if result["first_failure"] else "")
                )
        record["rss_after"] = rss_series[-1]
        record["leak_mb"] = leak_mb(rss_series[1:])
        if scenario.sql_alone:
            record["sql_alone"] = self.sql_alone(work)
        self.results["scenarios"][scenario.key] = record

    def sql_alone(self, work: Workload) -> dict:
        """The scenario's SQL replayed by pgbench without the app, once per request path."""
        try:
            scripts = [
                request_sql(self.app, [work.sample_request(n), work.sample_request(n)])
                for n in range(len(work.paths) or 1)
            ]
        except RuntimeError as exc:  # a reference, not a target: the run's results still count
            result = {"skipped": str(exc)}
        else:
            database_url = self.app.config["SQLALCHEMY_DATABASE_URI"]
            result = replay(database_url, scripts, self.workdir, self.args.duration, self.args.runs)
        self.log(f"  its SQL alone: {result['rps']:.0f} req/s" if "rps" in result else f"  its SQL alone: {result}")
        return result

    def checkout(self, pools: Pools) -> None:
        self.cache.flushdb()
        self.log(f"checkout: {CHECKOUT_CLIENTS} clients, add-to-cart + checkout")
        self.ceiling_run()
        with self.app.app_context():
            tokens = dataset.access_tokens(pools.shoppers)
            product_ids = [str(p) for p in pools.products]
            dataset.reset_carts(pools.shoppers, [])
            bearer = {"Authorization": f"Bearer {tokens[0]}"}
            add = {"method": "POST", "path": "/api/v1/cart/add_item/", "headers": bearer}
            add["json"] = {"product_id": product_ids[0], "quantity": 1}
            order = {**add, "path": "/api/v1/orders/", "json": ORDER}
            sql = {
                "add_to_cart": statements_per_request(self.app, add),
                "checkout": statements_per_request(self.app, order, expected_status=201),
            }
            record = {"sql_per_request": sql, "runs": []}
            record["warmup"] = checkout_run(self.kastoma.base_url, tokens, product_ids, self.args.warmup)
            for _ in range(self.args.runs):
                dataset.reset_carts(pools.shoppers, [])
                result = checkout_run(self.kastoma.base_url, tokens, product_ids, self.args.duration)
                record["runs"].append(result)
                self.log(
                    f"  {result['orders_per_second']:.0f} orders/s, p50 {result['p50_ms']:.0f} ms, "
                    f"p99 {result['p99_ms']:.0f} ms, 5xx {result['server_errors']}, "
                    f"invariant {'ok' if result['invariant']['ok'] else 'BROKEN'}"
                )
            product_id = str(dataset.sellout_product(SELLOUT_STOCK))
            record["sellout"] = sellout_run(self.kastoma.base_url, tokens, product_id, SELLOUT_ATTEMPTS_EACH)
            sellout = record["sellout"]
            self.log(f"  sell-out: {sellout['statuses']}, invariant ok: {sellout['invariant']['ok']}")
        record["rss_after"] = {str(pid): round(mb, 1) for pid, mb in self.kastoma.worker_rss().items()}
        self.results["checkout"] = record

    def run(self, pools: Pools) -> dict:
        self.log("warming up the ceiling app")
        run_wrk(self.wrk, f"{self.ceiling.base_url}/api/v1/products/", "get.lua", CONNECTIONS[0], self.args.warmup)
        for scenario in SCENARIOS:
            if self.wanted(scenario.key):
                self.scenario(scenario, pools)
        if self.wanted("checkout"):
            self.checkout(pools)
        for conns in CONNECTIONS:  # a short --only list may have left a count without a sample
            if not self.results["ceiling"][str(conns)]:
                self.ceiling_run(conns)
        self.results["rss_final"] = {str(pid): round(mb, 1) for pid, mb in self.kastoma.worker_rss().items()}
        self.cache.flushdb()
        return self.results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A `kill` of the runner must still stop the servers (the finally clauses below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = datetime.now(UTC)
    wrk = ensure_wrk()
    database = dataset.Database(args.postgres, args.database)
    env = server_environment(database, args.redis)
    os.environ.update(env)  # the runner's own app gets the server's configuration and secrets
    seed = prepare_database(database, env, args)

    from kastoma import create_app

    app = create_app("production")
    with app.app_context():
        added = {
            "customers": dataset.add_customers(dataset.customer_count(args.products)),
            "orders": dataset.add_past_orders(dataset.customer_count(args.products)),
        }
        # Earlier runs' checkouts and the order counts just written leave dead rows: vacuumed
        # now, not by an autovacuum in the middle of a measured run.
        vacuum_analyze()
        pools = Pools.load()
    redis.Redis.from_url(args.redis).flushdb()

    results: dict = {
        "started_at": started.isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python -m bench.run", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine.describe(database.url, args.redis),
        "code": machine.code_version(),
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "runs": args.runs,
            "connections": list(CONNECTIONS),
            "wrk_threads": THREADS,
            "wrk_timeout_s": TIMEOUT_S,
            "database": args.database,
            "redis": args.redis,
        },
        "seed": seed,
        "dataset_added": added,
    }
    with tempfile.TemporaryDirectory(prefix="kastoma-bench-") as tmp:
        workdir = Path(tmp)
        ceiling = Gunicorn("ceiling", "bench.ceiling_app:app", env, workdir)
        kastoma = Gunicorn("kastoma", "wsgi:app", env, workdir)
        try:
            ceiling.start("/api/v1/products/")
            kastoma.start("/health/live/")
            results["settings"]["workers"] = len(kastoma.workers())
            results.update(Suite(app, args, wrk, ceiling, kastoma, workdir).run(pools))
        finally:
            for server in (kastoma, ceiling):
                server.stop()
            results["server_log_tail"] = {
                s.name: s.log_path.read_text(errors="replace").splitlines()[-40:] for s in (kastoma, ceiling)
            }
    results["machine"]["load_average_at_end"] = machine.load_average()
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["verdict"] = [vars(check) for check in verdict(results)]
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(markdown(results))
    print(f"\nResults: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0 if all(check["ok"] for check in results["verdict"]) else 1


if __name__ == "__main__":
    sys.exit(main())
