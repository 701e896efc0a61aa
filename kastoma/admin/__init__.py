"""The Flask-Admin back office: `init_admin(app)` builds one console per app at /admin/."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_wtf.csrf import CSRFProtect

from kastoma.admin.auth import bp as auth_blueprint
from kastoma.admin.auth import current_staff, store_name
from kastoma.admin.dashboard import DashboardView
from kastoma.admin.views import build_views
from kastoma.middleware import HTML_CSP

ADMIN_URL = "/admin"
csrf = CSRFProtect()


def init_admin(app: Flask) -> Admin:
    """Register the login pages, CSRF checks, the admin CSP and every view on `app`."""
    # flask-wtf checks only the back office: the JSON API authenticates with bearer tokens.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    # Only a request that changes the session may write the cookie. With Flask's default (refresh
    # the permanent cookie on every request) a page's asset request still in flight when the user
    # logs out would send back the old, signed-in cookie and undo the logout.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    csrf.init_app(app)
    app.register_blueprint(auth_blueprint, url_prefix=ADMIN_URL)

    admin = Admin(
        app,
        name="Kastoma",
        url=ADMIN_URL,
        index_view=DashboardView(name="Dashboard", url=ADMIN_URL),
        theme=Bootstrap4Theme(base_template="admin_kastoma/base.html", fluid=True),
        csp_nonce_generator=_csp_nonce,
    )
    for view in build_views():
        admin.add_view(view)

    app.before_request(_protect_admin_posts)
    app.after_request(_admin_csp)
    app.context_processor(lambda: {"admin_store_name": store_name, "admin_current_user": current_staff})
    return admin


def _is_admin_request() -> bool:
    return request.path == ADMIN_URL or request.path.startswith(ADMIN_URL + "/")


# Per-request values kept in `g`. A request reuses an app context its caller already pushed
# (tests, scripts), so `g` can outlive a request: start each back-office request clean.
REQUEST_SCOPED = ("admin_user", "admin_csp_nonce", "csrf_token")


def _protect_admin_posts() -> None:
    if not _is_admin_request():
        return
    for name in REQUEST_SCOPED:
        g.pop(name, None)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def _csp_nonce() -> str:
    if "admin_csp_nonce" not in g:
        g.admin_csp_nonce = secrets.token_urlsafe(16)
    return g.admin_csp_nonce


def _admin_csp(response: Response) -> Response:
    """The app's HTML CSP plus this request's nonce, so Flask-Admin's few inline scripts run."""
    if _is_admin_request() and response.mimetype == "text/html" and "admin_csp_nonce" in g:
        response.headers["Content-Security-Policy"] = HTML_CSP.replace(
            "script-src 'self'", f"script-src 'self' 'nonce-{g.admin_csp_nonce}'"
        )
    if _is_admin_request():
        # Back-office pages carry customer data: never keep them in shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
