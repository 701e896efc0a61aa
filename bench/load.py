"""The load generator: wrk (installed with apt-get when missing) with the Lua scripts of
bench/wrk/, whose done() prints one `BENCH_RESULT {json}` line that is parsed here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

WRK_DIR = Path(__file__).resolve().parent / "wrk"
THREADS = 2  # one per core of the reference machine
TIMEOUT_S = 30  # gunicorn's own timeout; wrk's default (2 s) would fail logins queued under load
MARKER = "BENCH_RESULT "


def ensure_wrk() -> str:
    """wrk's path, installing the Debian package first if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    print("wrk is missing: installing the Debian package", flush=True)
    install = [*prefix, "apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    subprocess.run(install, check=True)  # noqa: S603 - fixed arguments
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: dict[str, int]
    first_failure: str | None

    @property
    def errors(self) -> int:
        """Non-2xx answers plus socket errors (connect, read, write, timeout)."""
        return self.non2xx + sum(self.socket_errors.values())

    def as_dict(self) -> dict:
        return {**asdict(self), "errors": self.errors}


def run_wrk(
    wrk: str, url: str, script: str, connections: int, seconds: float, env: dict[str, str] | None = None
) -> WrkResult:
    """One wrk run of `seconds` at `connections` keep-alive connections."""
    threads = min(THREADS, connections)
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(int(round(seconds)), 1)}s",
        f"--timeout={TIMEOUT_S}s",
        "-s",
        str(WRK_DIR / script),
        url,
    ]
    # A new BENCH_RUN per run: cache-busting parameters never repeat an earlier run's (whose
    # responses are still cached: the Redis db is emptied per scenario, not per run).
    run_env = {**os.environ, **(env or {}), "BENCH_THREADS": str(threads), "BENCH_RUN": str(time.time_ns())}
    done = subprocess.run(command, env=run_env, capture_output=True, text=True, check=False)  # noqa: S603
    for line in done.stdout.splitlines():
        if line.startswith(MARKER):
            return WrkResult(**json.loads(line[len(MARKER) :]))
    raise RuntimeError(f"wrk printed no result (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
