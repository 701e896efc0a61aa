"""API8 Security Misconfiguration: security headers, CORS on real requests, no stack traces in
production, and production's refusal of default or weak secrets.

Already covered and not repeated: CORS preflights from an evil origin, `null`,
`https://shop.example.com.evil.com` and plain http (tests/api/test_cors.py), HSTS behind https
(tests/unit/test_config.py), the admin nonce CSP (tests/admin/test_access.py), a probe 500
(tests/api/test_envelope.py::test_500_leaks_nothing), health checks' error texts
(tests/api/health/test_health.py).
"""

from __future__ import annotations

import re

import pytest

from config import DEFAULT_JWT_SECRET_KEY, DEFAULT_SECRET_KEY, DEFAULT_WEBHOOK_SECRET, load_config
from kastoma import create_app
from kastoma.extensions import db, limiter
from tests.admin.conftest import csrf_token
from tests.api.test_cors import ALLOWED
from tests.conftest import DEFAULT_PASSWORD, make_test_app
from tests.security.conftest import API, assert_none, envelope_problems

API_CSP = "default-src 'none'; frame-ancestors 'none'"
SAME_EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# (what, method, url, who, status): a success, each kind of error, the docs and the back office.
PAGES = [
    ("API object", "GET", f"{API}/core/settings/", None, 200),
    ("API cached catalogue list", "GET", f"{API}/products/", None, 200),
    ("API personal data", "GET", f"{API}/users/me/", "customer token", 200),
    ("API 400", "GET", f"{API}/products/?page_size=0", None, 400),
    ("API 401", "GET", f"{API}/users/me/", None, 401),
    ("API 403", "GET", f"{API}/users/", "customer token", 403),
    ("API 404", "GET", f"{API}/nowhere/", None, 404),
    ("API 405", "DELETE", f"{API}/core/settings/", None, 405),
    ("OpenAPI spec", "GET", "/api/openapi.json", None, 200),
    ("Swagger UI", "GET", "/api/docs/", None, 200),
    ("ReDoc", "GET", "/api/redoc/", None, 200),
    ("docs asset", "GET", "/api/static/swagger-ui/swagger-ui-bundle.js", None, 200),
    ("health", "GET", "/health/", None, 200),
    ("admin login page", "GET", "/admin/login/", None, 200),
    ("admin login refused to a customer", "POST", "/admin/login/", "customer credentials", 403),
    ("admin redirect to login", "GET", "/admin/", None, 302),
    ("admin dashboard", "GET", "/admin/", "staff session", 200),
    ("admin asset", "GET", "/admin/kastoma-static/admin.js", None, 200),
]


def admin_login(client, user):
    form = {"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_token(client)}
    return client.post("/admin/login/", data=form)


def test_security_headers_on_api_docs_and_admin_responses(app, customer, staff, auth_headers):
    failures = []
    for what, method, url, who, status in PAGES:
        client = app.test_client()
        if who == "staff session":
            assert admin_login(client, staff).status_code == 302
        if who == "customer credentials":
            r = admin_login(client, customer)
        else:
            r = client.open(url, method=method, headers=auth_headers(customer) if who == "customer token" else {})
        r.close()
        missing = {k: r.headers.get(k) for k, v in SAME_EVERYWHERE.items() if r.headers.get(k) != v}
        csp = r.headers.get("Content-Security-Policy", "")
        if r.mimetype == "text/html":
            script_src = csp.split("script-src")[1].split(";")[0] if "script-src" in csp else "missing"
            csp_ok = "frame-ancestors 'none'" in csp and "'self'" in script_src and "unsafe" not in script_src
        else:
            csp_ok = csp == API_CSP
        if r.status_code != status or missing or not csp_ok or not r.headers.get("X-Request-ID"):
            failures.append((what, r.status_code, missing, csp))
    assert_none(failures)


@pytest.fixture(scope="module")
def cors_app(app, tmp_path_factory):
    """The suite's database, with one storefront origin allowed."""
    return make_test_app(
        tmp_path_factory, CORS_ALLOWED_ORIGINS=[ALLOWED], SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]
    )


HOSTILE_ORIGINS = [
    "https://evil.example",
    "null",
    "https://shop.example.com.evil.com",
    "https://evil.shop.example.com",
    "http://shop.example.com",
    "https://shop.example.com:8443",
    "https://shop.example.comevil.com",
]


def test_real_requests_from_other_origins_get_no_cors_grant(cors_app, make_product, customer, auth_headers):
    """Preflights are in test_cors.py; browsers send simple requests without one, and a cached
    catalogue body must not carry the grant made to the allowed origin."""
    make_product("Cors Mug")
    client = cors_app.test_client()
    requests = [
        ("GET", f"{API}/products/", {}),
        ("GET", f"{API}/core/settings/", {}),
        ("GET", f"{API}/users/me/", auth_headers(customer)),
        ("POST", f"{API}/auth/login/", {}),
        ("GET", f"{API}/nowhere/", {}),
    ]
    failures = []
    for method, url, headers in requests:
        plain = client.open(url, method=method, headers=headers, json={})
        allowed = client.open(url, method=method, headers={**headers, "Origin": ALLOWED}, json={})
        if allowed.headers.get("Access-Control-Allow-Origin") != ALLOWED:
            failures.append((method, url, ALLOWED, "not granted"))
        # A shared cache keeps a public response once for every origin unless told it varies.
        if "public" in plain.headers.get("Cache-Control", "") and "Origin" not in plain.vary:
            failures.append((method, url, plain.headers.get("Cache-Control"), f"Vary: {plain.headers.get('Vary')}"))
        for origin in HOSTILE_ORIGINS:
            r = client.open(url, method=method, headers={**headers, "Origin": origin}, json={})
            granted = {k: v for k, v in r.headers.items() if k.startswith("Access-Control-")}
            if granted:
                failures.append((method, url, origin, granted))
    assert_none(failures)


STRONG = "s" * 40
SECRETS = {
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "JWT_SECRET_KEY": DEFAULT_JWT_SECRET_KEY,
    "PAYMENT_WEBHOOK_SECRET": DEFAULT_WEBHOOK_SECRET,
}
WEAK = {"unset": None, "empty": "", "blank": " " * 40, "the dev placeholder": "placeholder", "31 characters": "w" * 31}


@pytest.mark.parametrize("weak", sorted(WEAK))
@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_production_refuses_each_default_or_weak_secret(monkeypatch, secret, weak):
    for name in SECRETS:
        monkeypatch.setenv(name, STRONG)
    value = SECRETS[secret] if WEAK[weak] == "placeholder" else WEAK[weak]
    if value is None:
        monkeypatch.delenv(secret)
    else:
        monkeypatch.setenv(secret, value)
    with pytest.raises(RuntimeError) as refused:
        load_config("production")
    assert re.findall(r"\b(?:SECRET_KEY|JWT_SECRET_KEY|PAYMENT_WEBHOOK_SECRET)\b", str(refused.value)) == [secret]
    with pytest.raises(RuntimeError):
        create_app("production")


LEAKS = (
    "Traceback",
    'File "',
    ".py",
    "sqlite",
    "no such table",
    "SELECT",
    "OperationalError",
    "RuntimeError",
    "hunter2",
)


@pytest.fixture
def production_client(monkeypatch):
    """A production app (DEBUG and TESTING off) whose database has no tables at all."""
    for name in SECRETS:
        monkeypatch.setenv(name, STRONG)
    # flask-limiter keeps its switch on the shared Limiter: production turns it on for every app.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": "", "MAIL_BACKEND": "memory"})
    assert not app.debug and not app.testing and not app.config["PROPAGATE_EXCEPTIONS"]
    original = db.session
    # The autouse fixture bound db.session to the test database; give this app its own, empty one.
    with app.app_context():
        db.session = db._make_scoped_session({})
        try:
            yield app.test_client()
        finally:
            db.session.remove()
            db.session = original


def test_production_errors_show_no_stack_trace_sql_or_path(production_client, monkeypatch):
    from kastoma.core import routes

    def crash(*args, **kwargs):
        raise RuntimeError("password=hunter2 in /srv/kastoma/kastoma/core/settings.py")

    failures = []
    database_down = [
        ("GET", f"{API}/products/", 503),
        ("GET", f"{API}/categories/tree/", 503),
        ("POST", f"{API}/auth/login/", 503),
        ("GET", f"{API}/nowhere/", 404),
        ("GET", "/totally/elsewhere", 404),
        ("PUT", f"{API}/core/settings/", 405),
    ]
    for method, url, status in database_down:
        r = production_client.open(url, method=method, json={"email": "a@example.com", "password": "x"})
        text = r.get_data(as_text=True)
        if r.status_code != status or envelope_problems(r) or any(leak in text for leak in LEAKS):
            failures.append((method, url, r.status_code, text[:200]))
    monkeypatch.setattr(routes, "all_settings", crash)
    r = production_client.get(f"{API}/core/settings/")
    text = r.get_data(as_text=True)
    if r.status_code != 500 or envelope_problems(r) or any(leak in text for leak in LEAKS):
        failures.append(("GET", "crashing view", r.status_code, text[:200]))
    assert_none(failures)
