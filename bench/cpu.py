"""CPU per request of each process group while one scenario runs: gunicorn (master and
workers), PostgreSQL and Redis, read from `/proc` before and after each run (wrk, a process
per run, is gone by then). On a shared
machine it is steadier than req/s, so an A/B of two commits or two settings compares it run by
run, interleaved (docs/PERFORMANCE.md, sixth run):

    .venv/bin/python -m bench.cpu search [--seconds 8] [--runs 2] [--connections 16]
    WEB_CONCURRENCY=5 .venv/bin/python -m bench.cpu checkout

Uses the data set of `make bench` (run it once first) and Redis db 12, like bench/profile.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from bench.profile import loaded_server
from bench.scenarios import CONNECTIONS, SCENARIOS

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
GROUPS = {"postgres": "postgres", "redis-server": "redis"}  # process name prefix -> group


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=[s.key for s in SCENARIOS] + ["checkout"])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--connections", type=int, default=CONNECTIONS[0], help="wrk's (checkout: 16 clients)")
    parser.add_argument("--database", default="kastoma_bench")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    return parser.parse_args(argv)


def _stat(pid: str) -> tuple[str, int, int] | None:
    """(name, parent pid, utime + stime ticks) of a process, None once it is gone."""
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return name, int(fields[1]), int(fields[11]) + int(fields[12])


def cpu_ticks(gunicorn_pid: int) -> Counter:
    """CPU ticks used so far by each group; gunicorn is the master and its children."""
    ticks: Counter = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        stat = _stat(pid)
        if stat is None:
            continue
        name, parent, used = stat
        if gunicorn_pid in (int(pid), parent):
            ticks["gunicorn"] += used
        else:
            group = next((g for prefix, g in GROUPS.items() if name.startswith(prefix)), None)
            if group:
                ticks[group] += used
    return ticks


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with loaded_server(args.scenario, args.database, args.postgres, args.redis, args.connections) as (
        server,
        load,
        _workdir,
    ):
        for _ in range(args.runs):
            before = cpu_ticks(server.process.pid)
            rate = load(args.seconds)
            used = cpu_ticks(server.process.pid) - before
            served = rate * args.seconds
            unit = "order" if args.scenario == "checkout" else "request"
            shares = "  ".join(
                f"{group} {used[group] * 1000 / TICKS_PER_SECOND / served:.2f} ms"
                for group in ("gunicorn", *GROUPS.values())
            )
            print(f"  CPU per {unit}: {shares}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
