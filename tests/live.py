"""Real parallel HTTP requests against the app served on loopback (for concurrency tests)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.serving import make_server


@dataclass
class Result:
    status: int
    body: dict[str, Any]


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve `app` with one thread per request on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def request(
    base: str, method: str, path: str, *, headers: dict[str, str] | None = None, body: Any = None, timeout: float = 60
) -> Result:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(  # noqa: S310 - loopback URLs built by the tests
        base + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            return Result(resp.status, json.loads(resp.read() or b"{}"))
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {"raw": raw.decode(errors="replace")}
        return Result(err.code, payload)


def in_parallel(base: str, calls: list[dict[str, Any]]) -> list[Result]:
    """Fire every call at once (a barrier releases them together) and collect the results."""
    barrier = threading.Barrier(len(calls))

    def run(call: dict[str, Any]) -> Result:
        barrier.wait()
        return request(base, **call)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
