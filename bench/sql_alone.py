"""A second reference, for the uncached reads: the scenario's own SQL replayed by pgbench, one
client per core and no application in the way.

The ceiling app bounds what a Flask process can serve; this bounds what the database can. The
statements are the ones the app sends for the scenario's requests (recorded with their values
through the test client, the count already cached as under load), each request's statements a
pgbench script, picked at random like wrk's rotation. A latency target that needs more requests
per second than the database alone serves on the same cores (16 in flight at p50 <= 15 ms is
~1,070 req/s) cannot be reached by any change to the application's side.
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

from bench.sql_counts import recorded_statements

TPS = re.compile(r"^tps = ([\d.]+)", re.MULTILINE)
LATENCY = re.compile(r"^latency average = ([\d.]+) ms", re.MULTILINE)


def pgbench_path() -> str | None:
    """pgbench on PATH, or the server's own (Debian ships it with postgresql-NN)."""
    return shutil.which("pgbench") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))), None)


def request_sql(app: Flask, requests: list[dict]) -> list[str]:
    """The SELECTs, values included, that the last of `requests` (test-client keyword arguments
    plus method and path) sends: the ones before it fill the caches that every request under
    load finds, such as a search's count. Only reads are replayed, again and again."""
    for request in requests:
        request = dict(request)
        method, path = request.pop("method"), request.pop("path")
        with app.app_context(), recorded_statements(with_values=True) as statements:
            response = app.test_client().open(path, method=method, **request)
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code}")
    return [statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]


def replay(database_url: str, scripts: list[list[str]], workdir: Path, seconds: int, runs: int) -> dict:
    """pgbench over `scripts` (a request's statements each) with one client per core, `runs`
    times: the median transactions (requests) per second and average latency."""
    pgbench = pgbench_path()
    if pgbench is None:
        return {"skipped": "pgbench not found"}
    files = []
    for i, statements in enumerate(scripts):
        path = workdir / f"sql-alone-{i}.sql"
        path.write_text("".join(f"{statement};\n" for statement in statements))
        files += ["-f", str(path)]
    clients = str(len(os.sched_getaffinity(0)))
    libpq_url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    command = [pgbench, "-n", "-M", "simple", "-c", clients, "-j", clients, "-T", str(seconds), *files, libpq_url]
    samples = []
    for _ in range(runs):
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        tps, latency = TPS.search(done.stdout), LATENCY.search(done.stdout)
        if done.returncode != 0 or tps is None or latency is None:
            raise RuntimeError(f"pgbench failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
        samples.append({"rps": float(tps.group(1)), "latency_ms": float(latency.group(1))})
    return {
        "rps": round(statistics.median(s["rps"] for s in samples), 1),
        "latency_ms": round(statistics.median(s["latency_ms"] for s in samples), 3),
        "clients": int(clients),
        "scripts": len(scripts),
        "samples": samples,
    }
