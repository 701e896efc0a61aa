"""What gunicorn answers before a request reaches the app: the error envelope, not an HTML page
(issue 17, item 20)."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

from tests.live import request
from tests.servers import database_url, gunicorn_server, server_environment, tag

pytestmark = [pytest.mark.faults]


def raw_exchange(base: str, payload: bytes) -> tuple[str, dict[str, str], dict]:
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(payload)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status, headers, json.loads(body)


@pytest.fixture
def server(server_database, tmp_path):
    env = server_environment(database_url(server_database, application_name=tag()), WEB_CONCURRENCY=1)
    with gunicorn_server(env, tmp_path) as running:
        yield running


def test_a_request_line_over_the_limit_is_a_414_in_the_envelope(server):
    long_query = "a" * 9000
    status, headers, body = raw_exchange(
        server.base, f"GET /api/v1/products/?q={long_query} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    )
    assert status == "HTTP/1.1 414 URI Too Long"
    assert headers["Content-Type"] == "application/json" and headers["X-Request-ID"]
    assert body == {
        "success": False,
        "data": None,
        "message": "The request line is too long: at most 8190 bytes.",
        "errors": None,
        "code": "uri_too_long",
    }
    assert long_query not in json.dumps(body)


def test_a_long_filter_url_within_the_limit_reaches_the_app(server):
    r = request(server.base, "GET", "/api/v1/products/?q=" + "lamp+" * 1500)  # 7.5 kB: over gunicorn's default
    assert r.status == 200 and r.body["success"] is True


def test_a_malformed_request_line_is_a_400_in_the_envelope(server):
    status, headers, body = raw_exchange(server.base, b"GET /\x01bad HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status.startswith("HTTP/1.1 400") and headers["Content-Type"] == "application/json"
    assert body["code"] == "bad_request" and body["success"] is False
