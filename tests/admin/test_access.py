"""Who may open what: the access matrix over every back-office URL, login, logout, session cookie."""

from __future__ import annotations

import pytest

from kastoma.extensions import db
from kastoma.roles import Role
from tests.admin.conftest import csrf_token
from tests.conftest import DEFAULT_PASSWORD

PUBLIC = {"/admin/login/"}
# Pages only administrators may open (the rest is for staff and admins).
ADMIN_ONLY_PREFIXES = ("/admin/emailtemplate/",)


def admin_rules(app, method: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint.endswith(".static") or rule.rule in PUBLIC:
            continue
        if method not in rule.methods:
            continue
        values = {
            arg: ("csv" if arg == "export_type" else "00000000-0000-0000-0000-000000000000") for arg in rule.arguments
        }
        urls.append(
            rule.rule.replace("<export_type>", values.get("export_type", ""))
            .replace("<order_id>", values.get("order_id", ""))
            .replace("<product_id>", values.get("product_id", ""))
        )
    assert urls
    return sorted(urls)


def fetch(client, url: str):
    """GET and consume the body (CSV exports stream inside a request context)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def list_pages(app) -> list[str]:
    """The landing page of every view plus the dashboard."""
    return sorted(
        {r.rule for r in app.url_map.iter_rules() if r.endpoint.endswith(".index_view") or r.endpoint == "admin.index"}
    )


def test_every_admin_url_redirects_anonymous_visitors_to_login(app, client):
    for url in admin_rules(app, "GET"):
        response = fetch(client, url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/admin/login/"), url


def test_posts_need_a_session_too(app, client):
    for url in admin_rules(app, "POST"):
        response = client.post(url, data={"csrf_token": csrf_token(client)})
        assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login/"), url


def test_a_customer_session_gets_403_everywhere(app, client, customer):
    # A customer cannot sign in (see below); a session can still name one whose role was lowered.
    with client.session_transaction() as session:
        session["admin_user_id"] = str(customer.id)
        session["admin_token_version"] = customer.token_version
    for url in admin_rules(app, "GET"):
        assert fetch(client, url).status_code == 403, url
    for url in admin_rules(app, "POST"):
        if url == "/admin/logout/":
            continue  # anyone may end their own session
        assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 403, url


def test_customers_cannot_sign_in(client, customer):
    response = client.post(
        "/admin/login/", data={"email": customer.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 403
    assert "no access to the back office" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "admin_user_id" not in session


def test_staff_open_every_page_but_the_admin_only_ones(app, staff_client):
    for url in admin_rules(app, "GET"):
        response = fetch(staff_client, url)
        if url.startswith(ADMIN_ONLY_PREFIXES):
            assert response.status_code == 403, url
        else:
            # Switched-off pages (create, export, ...) send staff back to the list, never to the login.
            assert response.status_code in (200, 302, 404), (url, response.status_code)
            assert "/admin/login/" not in response.headers.get("Location", ""), url
    for url in list_pages(app):
        expected = 403 if url.startswith(ADMIN_ONLY_PREFIXES) else 200
        assert staff_client.get(url).status_code == expected, url


def test_admins_open_every_page(app, client, admin, login):
    login(client, admin)
    for url in list_pages(app):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/emailtemplate/new/").status_code == 200


def test_menu_hides_admin_only_views_from_staff(staff_client):
    html = staff_client.get("/admin/").get_data(as_text=True)
    assert "/admin/order/" in html and "/admin/emailtemplate/" not in html


def test_wrong_password_is_refused(client, staff):
    response = client.post(
        "/admin/login/", data={"email": staff.email, "password": "not-the-password", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 401
    assert "Invalid email or password" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_redirects_back_only_to_local_admin_pages(client, staff):
    token = csrf_token(client)
    data = {"email": staff.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    response = client.post("/admin/login/?next=/admin/order/", data=data)
    assert response.headers["Location"] == "/admin/order/"
    client.post("/admin/logout/", data={"csrf_token": csrf_token(client, "/admin/")})
    data["csrf_token"] = csrf_token(client)
    response = client.post("/admin/login/?next=https://evil.example/admin/", data=data)
    assert response.headers["Location"] == "/admin/"


def test_session_cookie_flags_and_lifetime(app, client, staff):
    response = client.post(
        "/admin/login/", data={"email": staff.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_token(client)}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600
    assert app.config["SESSION_COOKIE_SECURE"] is (app.config["PREFERRED_URL_SCHEME"] == "https")


def test_https_deployments_get_secure_cookies(monkeypatch):
    from config import load_config

    monkeypatch.setenv("PREFERRED_URL_SCHEME", "https")
    assert load_config("testing").SESSION_COOKIE_SECURE is True


def test_logout_ends_the_session(staff_client):
    assert staff_client.get("/admin/").status_code == 200
    response = staff_client.post("/admin/logout/", data={"csrf_token": csrf_token(staff_client, "/admin/")})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/login/"
    assert staff_client.get("/admin/").status_code == 302
    assert staff_client.get("/admin/logout/").status_code == 405, "logging out is a POST (no CSRF by link)"


def copied_session(app, staff_client):
    """A second browser holding a copy of the staff member's session cookie."""
    cookie = staff_client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    assert thief.get("/admin/").status_code == 200
    return thief


def test_a_copied_session_cookie_dies_with_the_logout(app, staff_client):
    """Issue 17, item 8: logging out ends every back-office session of the account."""
    thief = copied_session(app, staff_client)
    staff_client.post("/admin/logout/", data={"csrf_token": csrf_token(staff_client, "/admin/")})
    assert thief.get("/admin/").status_code == 302


def test_a_password_change_through_the_api_ends_back_office_sessions(app, client, staff_client, staff, auth_headers):
    thief = copied_session(app, staff_client)
    body = {"current_password": DEFAULT_PASSWORD, "new_password": "Changed-Through-The-Api-9"}
    api = app.test_client()
    assert api.post("/api/v1/profile/change-password/", headers=auth_headers(staff), json=body).status_code == 200
    assert thief.get("/admin/").status_code == 302
    assert staff_client.get("/admin/").status_code == 302


def test_deactivated_or_demoted_staff_lose_access_at_once(staff_client, staff):
    assert staff_client.get("/admin/order/").status_code == 200
    staff.role = Role.CUSTOMER
    db.session.commit()
    assert staff_client.get("/admin/order/").status_code == 403
    staff.role = Role.STAFF
    staff.is_active = False
    db.session.commit()
    assert staff_client.get("/admin/order/").status_code == 302


def test_admin_pages_carry_a_nonce_csp_and_no_store(staff_client):
    response = staff_client.get("/admin/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_api_responses_keep_their_own_csp(client):
    assert client.get("/health/").headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize(
    "path", ["/admin/static/bootstrap/bootstrap4/css/bootstrap.min.css", "/admin/kastoma-static/admin.js"]
)
def test_assets_are_served_locally(client, path):
    assert client.get(path).status_code == 200


def test_requests_that_do_not_change_the_session_do_not_rewrite_the_cookie(staff_client):
    # Otherwise a request in flight during logout could put the signed-in cookie back.
    staff_client.get("/admin/")  # shows the welcome message and makes the page's CSRF token
    assert "Set-Cookie" not in staff_client.get("/admin/order/").headers
    assert "Set-Cookie" not in staff_client.get("/admin/static/bootstrap/bootstrap4/css/bootstrap.min.css").headers
