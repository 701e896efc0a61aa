"""Background jobs: work that must not hold a request (mails, follow-ups), started only once
the transaction that asked for it has committed.

A job is a function registered by name with `@job("users.password_reset")`, taking JSON-able
keyword arguments (ids as strings, never model objects: the job reads them fresh). It is a unit
of work of its own, like a route: it commits what it writes. `enqueue(name, **kwargs)` hands it
to the app's backend (`JOBS_BACKEND`) after the caller's commit; a rollback drops it.

- `thread` (default): a worker thread in each process runs jobs one by one, each in its own app
  context and session, after the request has been answered. A process that exits runs what it
  has queued first; a killed one loses it.
- `eager`: the job runs right after the commit, in the caller's context (tests).
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask, current_app, g, has_request_context

from kastoma.extensions import db
from kastoma.transactions import on_commit

log = logging.getLogger("kastoma.jobs")

JOBS: dict[str, Callable[..., None]] = {}


def job(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register `func` as the job `name`."""

    def register(func: Callable[..., None]) -> Callable[..., None]:
        if name in JOBS and JOBS[name] is not func:
            raise ValueError(f"job {name!r} is registered twice")
        JOBS[name] = func
        return func

    return register


class JobBackend(Protocol):
    def submit(self, name: str, kwargs: dict[str, Any], request_id: str | None) -> None: ...


def run_job(name: str, kwargs: dict[str, Any], request_id: str | None = None) -> None:
    """Run one job in the current app context and commit its work (a failure is logged with
    the request id of the change that asked for it, and its work rolled back)."""
    try:
        JOBS[name](**kwargs)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("job %s failed", name, extra={"job": name, "request_id": request_id})


class EagerBackend:
    def submit(self, name: str, kwargs: dict[str, Any], request_id: str | None) -> None:
        run_job(name, kwargs, request_id)


class ThreadBackend:
    """One worker thread per process, started with the first job (so none exists before
    gunicorn forks its workers)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        # Jobs, and the events of `wait` calls (set once every job queued before them has run).
        self._queue: queue.SimpleQueue[tuple[str, dict[str, Any], str | None] | threading.Event] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, name: str, kwargs: dict[str, Any], request_id: str | None) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="kastoma-jobs", daemon=True)
                self._thread.start()
                atexit.register(self.wait)  # a CLI command or a worker shutting down drains its jobs
        self._queue.put((name, kwargs, request_id))

    def wait(self) -> None:
        """Return once every job submitted so far has run (tests, graceful shutdowns)."""
        if self._thread is None:
            return
        done = threading.Event()
        self._queue.put(done)
        done.wait()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if isinstance(item, threading.Event):
                item.set()
                continue
            name, kwargs, request_id = item
            with self.app.app_context():
                try:
                    run_job(name, kwargs, request_id)
                finally:
                    db.session.remove()


def init_jobs(app: Flask) -> None:
    name = app.config["JOBS_BACKEND"]
    backends: dict[str, Callable[[], JobBackend]] = {"thread": lambda: ThreadBackend(app), "eager": EagerBackend}
    if name not in backends:
        raise RuntimeError(f"Unknown JOBS_BACKEND {name!r}; expected one of {', '.join(backends)}")
    app.extensions["kastoma_jobs"] = backends[name]()


def job_backend() -> JobBackend:
    return current_app.extensions["kastoma_jobs"]


def enqueue(name: str, **kwargs: Any) -> None:
    """Run the job `name` with `kwargs` once the current transaction commits."""
    if name not in JOBS:
        raise KeyError(f"no job named {name!r}")
    json.dumps(kwargs)  # what a queue between processes could carry, and nothing else
    backend = job_backend()
    request_id = g.get("request_id") if has_request_context() else None
    on_commit(lambda: backend.submit(name, kwargs, request_id))
