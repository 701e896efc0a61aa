"""Where one scenario's time goes under load: py-spy samples every Kastoma gunicorn worker while
the scenario runs (wrk at 16 connections, or the checkout clients), then prints the heaviest
frames: self time, and inclusive time of Kastoma's own functions and of each library. By
default only samples holding the GIL count (Python at work, not waiting on a socket).

    .venv/bin/pip install py-spy        # not a project requirement; the bench works without it
    .venv/bin/python -m bench.profile list_filtered [--seconds 8] [--idle]

Uses the data set of `make bench` (run it once first) and Redis db 12, so it never disturbs
the suite's cache. `--idle` counts every sample instead: workers waiting on PostgreSQL, Redis or
the client's close (gunicorn's sync worker drains the socket after each response) included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import dataset
from bench.checkout import checkout_run
from bench.load import ensure_wrk, run_wrk
from bench.run import server_environment
from bench.scenarios import CONNECTIONS, SCENARIOS
from bench.servers import Gunicorn
from bench.workloads import Pools, Workload

PY_SPY = Path(sys.executable).with_name("py-spy")
TOP = 25


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=[s.key for s in SCENARIOS] + ["checkout"])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--idle", action="store_true", help="wall clock: also sample workers that wait (I/O)")
    parser.add_argument("--database", default="kastoma_bench")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    return parser.parse_args(argv)


def frames(raw: Path) -> Counter:
    """py-spy's raw format: `frame;frame;...;leaf count` per line, root first."""
    stacks: Counter = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            stacks[stack] += int(count)
    return stacks


def _library(frame: str) -> str:
    """`name (path:line)` -> the top-level package of path, or the file for the stdlib."""
    location = frame.rpartition("(")[2]
    path = location.rpartition(":")[0]
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/")[0]
    if "/kastoma/" in f"/{path}":
        return "kastoma"
    return Path(path).name or "?"


def summarise(stacks: Counter) -> str:
    total = sum(stacks.values()) or 1
    own: Counter = Counter()
    inclusive: Counter = Counter()
    libraries: Counter = Counter()
    for stack, count in stacks.items():
        parts = [p for p in stack.split(";") if "(" in p]
        if not parts:
            continue
        own[parts[-1]] += count
        libraries[_library(parts[-1])] += count
        for frame in set(parts):
            if "kastoma/" in frame:
                inclusive[frame] += count

    def table(title: str, counter: Counter) -> list[str]:
        return [f"\n{title}", *(f"{100 * n / total:6.1f}%  {name}" for name, n in counter.most_common(TOP))]

    lines = [f"{total} samples"]
    lines += table("self time by library (leaf frame)", libraries)
    lines += table("inclusive time of Kastoma's functions", inclusive)
    lines += table("self time by function", own)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not PY_SPY.exists() and not shutil.which("py-spy"):
        raise SystemExit("py-spy is missing: .venv/bin/pip install py-spy")
    py_spy = str(PY_SPY if PY_SPY.exists() else shutil.which("py-spy"))
    with loaded_server(args.scenario, args.database, args.postgres, args.redis) as (server, load, workdir):
        raw = workdir / "profile.txt"
        command = [py_spy, "record", "--pid", str(server.process.pid), "--subprocesses"]
        command += ["--rate", "100", "--format", "raw", "--duration", str(args.seconds), "--output", str(raw)]
        # Samples of threads holding the GIL (running Python), or every sample with --idle.
        command += ["--idle"] if args.idle else ["--gil"]
        sampler = threading.Thread(target=subprocess.run, args=(command,), kwargs={"capture_output": True})
        sampler.start()
        load(args.seconds)
        sampler.join()
        print(summarise(frames(raw)))
    return 0


@contextmanager
def loaded_server(
    scenario: str, database_name: str, postgres: str, redis: str, connections: int = CONNECTIONS[0]
) -> Iterator[tuple[Gunicorn, Callable[[int], float], Path]]:
    """Kastoma under gunicorn on the data set of `make bench`, and `load(seconds)`, which runs the
    scenario's load (wrk at `connections`, or the checkout clients), prints its result and
    returns its rate (req/s, or orders/s). Warmed up with 2 s of the load."""
    wrk = ensure_wrk()
    database = dataset.Database(postgres, database_name)
    env = server_environment(database, redis)
    os.environ.update(env)
    from kastoma import create_app

    app = create_app("production")
    with app.app_context():
        pools = Pools.load()
    with tempfile.TemporaryDirectory(prefix="kastoma-profile-") as tmp:
        workdir = Path(tmp)
        server = Gunicorn("kastoma", "wsgi:app", env, workdir)
        try:
            server.start("/health/live/")
            load = _load(scenario, connections, app, pools, server, wrk, workdir)
            load(2)  # warm-up
            yield server, load, workdir
        finally:
            server.stop()


def _load(scenario_key: str, connections: int, app, pools: Pools, server: Gunicorn, wrk: str, workdir: Path):
    """A function running the scenario's load for n seconds."""
    if scenario_key == "checkout":
        with app.app_context():
            tokens = dataset.access_tokens(pools.shoppers)
        products = [str(p) for p in pools.products]

        def checkout(seconds: int) -> float:
            with app.app_context():
                dataset.reset_carts(pools.shoppers, [])
                result = checkout_run(server.base_url, tokens, products, seconds)
            print(f"{result['orders_per_second']} orders/s, p50 {result['p50_ms']} ms", flush=True)
            return result["orders_per_second"]

        return checkout
    scenario = next(s for s in SCENARIOS if s.key == scenario_key)
    with app.app_context():
        work = Workload.of(scenario, pools)
        env = work.wrk_env(workdir)

    def run(seconds: int) -> float:
        with app.app_context():
            work.before_run()
        result = run_wrk(wrk, f"{server.base_url}{scenario.path}", scenario.script, connections, seconds, env)
        print(f"{result.rps:.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms", flush=True)
        return result.rps

    return run


if __name__ == "__main__":
    sys.exit(main())
