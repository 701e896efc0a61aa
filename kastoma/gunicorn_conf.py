"""gunicorn settings, all from the environment: `gunicorn -c python:kastoma.gunicorn_conf wsgi:app`."""

import gc
import json
import multiprocessing
import os
import uuid
from typing import Any

from gunicorn import util

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Processes learn of each other's catalogue and settings writes through the shared cache only:
# without REDIS_URL each one keeps its own, so one worker (docs/SCALING.md).
_shared_cache = bool(os.environ.get("REDIS_URL"))
# One worker per core plus one (not gunicorn's 2 x cores + 1): Kastoma's requests are mostly
# Python, and on 2 cores 3 workers beat 5 in 15 of 16 interleaved benchmark pairs (less CPU per
# request; docs/PERFORMANCE.md). Raise it when the database is on another host.
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() + 1, 8) if _shared_cache else 1))
# Sync workers by default: measured to spread keep-alive load evenly (see docs/PERFORMANCE.md).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "0"))
accesslog = None  # the app writes one JSON line per request itself
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The longest request line gunicorn reads (its maximum, against a default of 4094): storefronts
# build long filter URLs. A longer one is a 414, in the API's error envelope (below).
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", "8190"))
# gunicorn 27's runtime control socket sits at one path per user: two instances on one host
# (tests/multi, blue-green deploys) would take it from each other. Kastoma does not use it.
control_socket_disable = True


# Answers gunicorn gives before a request reaches the app (a request line or headers it cannot
# read), in the error envelope instead of gunicorn's HTML page. What gunicorn read is not echoed.
SERVER_ERRORS = {
    400: ("bad_request", "The request could not be read."),
    403: ("permission_denied", "This request is not allowed."),
    414: ("uri_too_long", f"The request line is too long: at most {limit_request_line} bytes."),
    417: ("expectation_failed", "The Expect header cannot be met."),
    431: ("request_header_fields_too_large", "The request headers are too large."),
    501: ("not_implemented", "This transfer coding is not supported."),
}


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, writing the error envelope."""
    code, message = SERVER_ERRORS.get(status_int, ("internal_error", "An unexpected error occurred."))
    body = json.dumps({"success": False, "data": None, "message": message, "errors": None, "code": code}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Request-ID: {uuid.uuid4()}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


# gunicorn has no setting for these bodies; every worker class calls `util.write_error`.
util.write_error = write_json_error


def on_starting(server: object) -> None:
    """Start every run with an empty Prometheus multiprocess directory (see kastoma/metrics.py)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            os.remove(os.path.join(directory, name))


def when_ready(server: Any) -> None:
    if server.cfg.workers > 1 and not _shared_cache:
        server.log.warning(
            "%d workers without REDIS_URL: each keeps its own cache, so a product or setting "
            "changed through one is stale in the others until their entries expire",
            server.cfg.workers,
        )


def post_worker_init(worker: object) -> None:
    """Hide what the app allocated at start (routes, schemas, the OpenAPI spec, ORM mappers: some
    225k objects) from the garbage collector: each full collection walked them all, a 120 ms
    stall of the worker that showed as every catalogue scenario's p99 (docs/PERFORMANCE.md)."""
    gc.freeze()


def child_exit(server: object, worker: object) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
