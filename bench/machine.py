"""What the numbers were measured on: cores, CPU, RAM, load, and the versions of the stack."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

import psycopg2
import redis

ROOT = Path(__file__).resolve().parents[1]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024**2, 1)
    return 0.0


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def code_version() -> dict:
    """The commit measured, and the files under kastoma/ that differ from it (read-only git)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603, S607
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "modified": git("status", "--porcelain", "--", "kastoma").splitlines(),
    }


def describe(database_url: str, redis_url: str) -> dict:
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0]
            cursor.execute("SHOW random_page_cost")
            page_cost = cursor.fetchone()[0]
    finally:
        conn.close()
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "ram_gib": _ram_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "random_page_cost": page_cost,
        "redis": redis.Redis.from_url(redis_url).info("server")["redis_version"],
        "load_average_at_start": load_average(),
    }
