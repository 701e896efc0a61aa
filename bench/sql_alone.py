"""A second reference, for the uncached reads: the scenario's own SQL replayed by pgbench, one
client per core and no application in the way.

The ceiling app bounds what a Flask process can serve; this bounds what the database can. The
statements are the ones the app sends for the scenario's requests (recorded with their values
through the test client, the count already cached as under load); each request's statements
are one pgbench script, and pgbench picks a script at random per transaction, where wrk rotates
over the paths. One client per core keeps the cores busiest: with the search's SQL on 2 cores,
4, 8 and 16 clients served 3-16 % less than 2 (docs/PERFORMANCE.md, seventh run).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import statistics
import subprocess
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

from bench.sql_counts import request_statements

# pgbench 14+ prints one tps, without connecting; 13 and older two, the second one without it.
TPS = re.compile(r"^tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)", re.M)
LATENCY = re.compile(r"^latency average = ([\d.]+) ms", re.MULTILINE)
READS = ("SELECT", "WITH")


def pgbench_path() -> str | None:
    """pgbench on PATH, or the newest server's own (Debian ships it with postgresql-NN)."""
    servers = glob.glob("/usr/lib/postgresql/*/bin/pgbench")
    return shutil.which("pgbench") or max(servers, key=lambda path: int(Path(path).parts[-3]), default=None)


def reads_only(statements: list[str]) -> list[str]:
    """The statements that only read: replayed again and again, a write would pile up rows
    (and a test's SAVEPOINTs mean nothing outside its transaction)."""
    return [statement for statement in statements if statement.lstrip().upper().startswith(READS)]


def request_sql(app: Flask, requests: list[dict]) -> list[str]:
    """The reads, values included, that the last of `requests` (test-client keyword arguments
    plus method and path) sends: the ones before it fill the caches that every request under
    load finds, such as a search's count."""
    if not requests:
        raise ValueError("request_sql needs at least one request")
    for request in requests:
        statements = request_statements(app, request, with_values=True)
    return reads_only(statements)


def parse_pgbench(stdout: str) -> dict[str, float]:
    """Transactions per second (without connecting) and the average latency of a pgbench run."""
    tps, latency = TPS.search(stdout), LATENCY.search(stdout)
    if tps is None or latency is None:
        raise ValueError(f"no tps or latency in pgbench's output:\n{stdout}")
    return {"rps": float(tps.group(1)), "latency_ms": float(latency.group(1))}


def replay(database_url: str, scripts: list[list[str]], workdir: Path, seconds: int, runs: int) -> dict:
    """pgbench over `scripts` (a request's statements each) with one client per core, `runs`
    times: the median transactions (requests) per second and average latency, or why not."""
    pgbench = pgbench_path()
    if pgbench is None:
        return {"skipped": "pgbench not found"}
    files = []
    for i, statements in enumerate(scripts):
        path = workdir / f"sql-alone-{i}.sql"
        path.write_text("".join(f"{statement};\n" for statement in statements))
        files += ["-f", str(path)]
    clients = str(len(os.sched_getaffinity(0)))
    url = make_url(database_url).set(drivername="postgresql")
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}  # not on the command line
    libpq_url = url.set(password=None).render_as_string(hide_password=False)
    command = [pgbench, "-n", "-M", "simple", "-c", clients, "-j", clients, "-T", str(seconds), *files, libpq_url]
    samples = []
    for _ in range(runs):
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
        if done.returncode != 0:
            return {"skipped": f"pgbench failed (exit {done.returncode}): {done.stderr.strip()[-300:]}"}
        samples.append(parse_pgbench(done.stdout))
    return {
        "rps": statistics.median(s["rps"] for s in samples),
        "latency_ms": statistics.median(s["latency_ms"] for s in samples),
        "clients": int(clients),
        "scripts": len(scripts),
        "samples": samples,
    }
