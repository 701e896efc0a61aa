"""Real gunicorn processes for the fault-tolerance and multi-instance tests.

`gunicorn_servers()` starts `gunicorn -c python:kastoma.gunicorn_conf wsgi:app` on free loopback
ports with an explicit environment (production config, strong secrets), waits until every worker
has loaded the app and /health/live/ answers, and always stops them afterwards: SIGTERM, then
SIGKILL of each server's own process group, so no worker outlives a failed test. The database
must already be migrated: the session `app` fixture migrates the one the servers share.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import IN_CI
from tests.live import Result, request

REPO_ROOT = Path(__file__).resolve().parent.parent
# Status of a call whose connection was closed or reset before any HTTP answer arrived.
CUT = 0
# Secrets the production config accepts (>= 32 characters, not the development placeholders).
JWT_SECRET = "fault-tests-jwt-secret-" + "j" * 24
SECRET = "fault-tests-flask-secret-" + "s" * 24
WEBHOOK_SECRET = "fault-tests-webhook-secret-" + "w" * 24
# The servers' Redis database (the suite itself uses REDIS_URL's).
SERVER_REDIS_DB = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tag() -> str:
    """A fresh name for one server's database connections (PostgreSQL application_name)."""
    return f"kastoma-fault-{uuid.uuid4().hex[:8]}"


def database_url(url: str, *, application_name: str, port: int | None = None) -> str:
    """`url` with the app's connections named (so a test can find and kill them), optionally
    through a proxy on `port`."""
    parsed = make_url(url).update_query_dict({"application_name": application_name})
    if port is not None:
        parsed = parsed.set(host="127.0.0.1", port=port)
    return parsed.render_as_string(hide_password=False)


def server_environment(
    database: str, redis_url: str = "", cache_prefix: str = "", **settings: str | int
) -> dict[str, str]:
    """The whole environment of a gunicorn process: nothing is inherited but PATH and locale."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "KASTOMA_ENV": "production",
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "JWT_SECRET_KEY": JWT_SECRET,
        "PAYMENT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "CACHE_KEY_PREFIX": cache_prefix or f"kastoma-fault-{uuid.uuid4().hex[:8]}:",
        "RATELIMIT_ENABLED": "false",
        "MAIL_BACKEND": "console",
        "LOG_LEVEL": "WARNING",
        # The cost the test suite hashes with: no rehash at login, cheap dummy verifications.
        "ARGON2_TIME_COST": "2",
        "ARGON2_MEMORY_COST": "19456",
        "ARGON2_PARALLELISM": "1",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_GRACEFUL_TIMEOUT": "10",
        "DB_POOL_SIZE": "3",
        "DB_MAX_OVERFLOW": "2",
    }
    env.update({name: str(value) for name, value in settings.items()})
    return env


@dataclass
class Server:
    """A running gunicorn master (`process`) answering on `base`."""

    process: subprocess.Popen
    base: str
    log_path: Path
    worker_count: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def workers(self) -> list[int]:
        """Pids of the master's current worker processes."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return []
        return sorted(int(pid) for pid in children)

    def wait_for_workers(
        self, count: int, *, excluding: tuple[int, ...] = (), busy: tuple[int, ...] = (), timeout: float = 60
    ) -> list[int]:
        """Wait until exactly `count` workers run, none of them in `excluding` (e.g. one just
        killed), each (but those known to be `busy` with a request) done loading the app and
        waiting for connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.assert_running()
            workers = self.workers()
            fresh = [pid for pid in workers if pid not in busy]
            if len(workers) == count and not set(workers) & set(excluding) and all(map(_idle, fresh)):
                return workers
            time.sleep(0.05)
        raise AssertionError(f"gunicorn did not get {count} idle workers: {self.workers()}\n{self.log_tail()}")

    def wait_until_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.assert_running()
            if attempt(self.base, "GET", "/health/live/", timeout=2).status == 200:
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer /health/live/ within {timeout} s:\n{self.log_tail()}")

    def assert_running(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def terminate(self) -> None:
        """Ask for a graceful stop (SIGTERM); `reap` finishes the job."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def reap(self, grace: float = 1) -> None:
        """Give the workers `grace` seconds to exit (their interpreter shutdown alone takes seconds
        on a busy machine), then SIGKILL whatever is left of the process group: no process of
        this server outlives the test."""
        deadline = time.monotonic() + grace
        while self.process.poll() is None and any(map(_running, self.workers())) and time.monotonic() < deadline:
            time.sleep(0.05)
        # The group is the one this harness created for this server: the master and its workers.
        with suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _state(pid: int) -> str:
    """The process state letter from /proc (R running, S sleeping, Z exited...), "" if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except (OSError, IndexError):
        return ""


def _running(pid: int) -> bool:
    """Not exited: gunicorn's master reaps its exited workers (zombies) only seconds later."""
    return _state(pid) not in ("", "Z", "X")


def _idle(pid: int) -> bool:
    """The worker has loaded the app (psycopg2 is mapped) and sleeps in its accept loop's poll."""
    try:
        waiting_in = Path(f"/proc/{pid}/wchan").read_text()
        loaded = "psycopg2" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
    polling = "poll" in waiting_in or "select" in waiting_in or waiting_in == "0"  # "0": wchan hidden
    return loaded and _state(pid) == "S" and polling


def spawn(env: dict[str, str], log_dir: Path, name: str = "gunicorn") -> Server:
    """Start gunicorn with `env` (see server_environment) on a free port, without waiting."""
    port = free_port()
    env = {**env, "BIND": f"127.0.0.1:{port}"}
    log_path = log_dir / f"{name}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:kastoma.gunicorn_conf", "wsgi:app"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(process, f"http://127.0.0.1:{port}", log_path, int(env["WEB_CONCURRENCY"]))


@contextmanager
def gunicorn_servers(*envs: dict[str, str], log_dir: Path) -> Iterator[list[Server]]:
    """Start one gunicorn per environment (in parallel), wait until each answers, and always stop
    every one of them on exit."""
    servers: list[Server] = []
    try:
        for n, env in enumerate(envs, 1):
            servers.append(spawn(env, log_dir, f"gunicorn{n}"))
        for server in servers:
            server.wait_for_workers(server.worker_count)
            server.wait_until_ready()
        yield servers
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.reap()
            # pytest shows it only when the test failed.
            print(f"--- {server.log_path.name} ---\n{server.log_tail()}")


@contextmanager
def gunicorn_server(env: dict[str, str], log_dir: Path) -> Iterator[Server]:
    with gunicorn_servers(env, log_dir=log_dir) as (server,):
        yield server


# --- HTTP calls that may be cut off -------------------------------------------------------------


def attempt(base: str, method: str, path: str, **kwargs: Any) -> Result:
    """tests.live.request, but a connection closed, reset or refused is a Result with status CUT."""
    try:
        return request(base, method, path, **kwargs)
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as exc:
        return Result(CUT, {"error": type(exc).__name__})


@contextmanager
def burst(calls: list[dict[str, Any]], workers: int | None = None) -> Iterator[list[Future]]:
    """Start every call (`attempt` keyword arguments, `base` included) in the background; the
    block can act while they run (kill a worker, stop the server); all are finished on exit."""
    with ThreadPoolExecutor(max_workers=workers or len(calls)) as pool:
        futures = [pool.submit(attempt, **call) for call in calls]
        yield futures


def results(futures: list[Future]) -> list[Result]:
    return [future.result() for future in futures]


# --- Fixtures (imported by the conftest of tests/faults and tests/multi) ------------------------


@pytest.fixture
def server_tokens(app, monkeypatch):
    """Tokens minted by tokens_for / auth_headers are signed with the servers' JWT key."""
    monkeypatch.setitem(app.config, "JWT_SECRET_KEY", JWT_SECRET)


@pytest.fixture
def server_database(app, postgres_only) -> str:
    """The (migrated) test database; the servers share it with the test's fixtures."""
    return app.config["SQLALCHEMY_DATABASE_URI"]


@dataclass(frozen=True)
class RedisTarget:
    host: str
    port: int
    prefix: str

    def url(self, port: int | None = None) -> str:
        """The servers' Redis database, optionally through a proxy on `port`."""
        return f"redis://{self.host}:{port or self.port}/{SERVER_REDIS_DB}"


@pytest.fixture
def server_redis() -> Iterator[RedisTarget]:
    """The machine's Redis (host of REDIS_URL), database SERVER_REDIS_DB, with a fresh key
    prefix whose keys are deleted afterwards."""
    import redis

    url = os.environ.get("REDIS_URL", "")
    if not url:
        if IN_CI:
            pytest.fail("This test needs Redis and CI must provide it (REDIS_URL).")
        pytest.skip("needs Redis: set REDIS_URL to run it")
    parsed = urlsplit(url)
    target = RedisTarget(parsed.hostname or "127.0.0.1", parsed.port or 6379, f"kastoma-fault-{uuid.uuid4().hex[:8]}:")
    yield target
    client = redis.Redis(host=target.host, port=target.port, db=SERVER_REDIS_DB)
    keys = list(client.scan_iter(match=f"{target.prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
