"""Cross-cutting HTTP behaviour: request ids, access logs, security headers, proxies, CORS."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from kastoma.extensions import cors

access_log = logging.getLogger("kastoma.request")

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is echoed only if it is short and made of harmless characters.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def init_http(app: Flask) -> None:
    if app.config["TRUSTED_PROXY_COUNT"]:
        n = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    _init_cors(app)
    app.session_interface = LazyCookieSessionInterface()
    app.before_request(_start_request)
    app.after_request(_finish_request)


class LazyCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions (the back office's), minus the signing serializer Flask
    builds on every request: a request without the cookie (every API call) starts empty."""

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def _init_cors(app: Flask) -> None:
    origins = app.config["CORS_ALLOWED_ORIGINS"]
    if not origins:
        return
    wildcard = "*" in origins
    cors.init_app(
        app,
        resources={r"/api/*": {}},
        origins="*" if wildcard else origins,
        # A wildcard origin never comes with credentials.
        supports_credentials=not wildcard,
        send_wildcard=wildcard,
        allow_headers=[
            "Authorization",
            "Content-Type",
            "Idempotency-Key",
            "X-Cart-Token",
            "X-Request-ID",
            "If-None-Match",
        ],
        expose_headers=["X-Request-ID", "X-Cart-Token", "ETag", "Retry-After"],
        max_age=600,
    )


def _start_request() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SANE_REQUEST_ID.match(incoming) else str(uuid.uuid4())


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or str(uuid.uuid4())
    response.headers[REQUEST_ID_HEADER] = request_id
    _set_security_headers(response)
    if access_log.isEnabledFor(logging.INFO):
        started = g.get("request_started")
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                "user_id": g.get("current_user_id"),
                "remote_addr": request.remote_addr,
            },
        )
    return response


def _set_security_headers(response: Response) -> None:
    """The headers every response carries, unless the view set its own (e.g. the docs' CSP)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    is_html = response.mimetype == "text/html"
    wanted = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Content-Security-Policy", HTML_CSP if is_html else API_CSP),
    ]
    if current_app.config["PREFERRED_URL_SCHEME"] == "https":
        wanted.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
