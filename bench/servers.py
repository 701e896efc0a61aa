"""gunicorn servers for the bench: started with kastoma/gunicorn_conf.py on a free port, waited
for, measured (the RSS of each worker, from /proc) and always stopped, workers included."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = ROOT / ".venv/bin/gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float | None:
    """Resident set size of a process in MiB (None once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def _is_gunicorn(pid: int) -> bool:
    try:
        return b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False


class Gunicorn:
    """`gunicorn -c python:kastoma.gunicorn_conf <app>` with `env`, on 127.0.0.1:<free port>."""

    def __init__(self, name: str, app: str, env: Mapping[str, str], log_dir: Path) -> None:
        self.name, self.app = name, app
        self.port = free_port()
        self.env = {**env, "BIND": f"127.0.0.1:{self.port}"}
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.seen_workers: set[int] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str, timeout: float = 60) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
                [str(GUNICORN), "-c", "python:kastoma.gunicorn_conf", self.app],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {self.log_path}")
            if self._answers(ready_path) and len(self.workers()) == self.expected_workers():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {ready_path} within {timeout} s; see {self.log_path}")

    def expected_workers(self) -> int:
        # gunicorn_conf's own rule, read from the same environment.
        code = "import kastoma.gunicorn_conf as c; print(c.workers)"
        python = ROOT / ".venv/bin/python"
        command = [str(python), "-c", code]
        out = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True)  # noqa: S603
        return int(out.stdout.strip())

    def _answers(self, path: str) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", path)
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def workers(self) -> list[int]:
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except FileNotFoundError:
            return []
        pids = [int(pid) for pid in children]
        self.seen_workers.update(pids)
        return pids

    def worker_rss(self) -> dict[int, float]:
        """{worker pid: RSS in MiB}, once the workers are idle: when wrk stops, requests it had
        sent may still be queued (a login in progress holds its 64 MiB Argon2 buffer)."""
        self.wait_idle()
        return {pid: rss for pid in self.workers() if (rss := rss_mb(pid)) is not None}

    def wait_idle(self, quiet: float = 0.5, timeout: float = 60) -> None:
        """Until the workers use no CPU for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        before = self._cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = self._cpu_ticks()
            if now == before:
                return
            before = now

    def _cpu_ticks(self) -> int:
        ticks = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
        return ticks

    def stop(self) -> None:
        """SIGTERM (graceful), SIGKILL after 15 s; then any worker still alive is killed by pid."""
        if self.process is None:
            return
        self.workers()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self.seen_workers:
            if _is_gunicorn(pid):
                os.kill(pid, signal.SIGKILL)
        self.process = None
