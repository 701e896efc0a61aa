"""Dashboard, CSRF, login rate limit, coupons, users, settings, email templates, two apps."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from kastoma.core.models import EmailTemplate, SiteSetting
from kastoma.core.settings import get_setting
from kastoma.extensions import db, limiter
from kastoma.orders.models import Coupon, Order
from kastoma.roles import Role
from kastoma.users.models import User
from tests.admin.conftest import csrf_token
from tests.conftest import DEFAULT_PASSWORD, make_test_app


def reload(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


# --- Dashboard ----------------------------------------------------------------------------------


def test_dashboard_shows_sales_queues_and_chart(staff_client, customer, make_product, make_review, place_order):
    product = make_product("Blue Kettle", sku="KET-BLUE", price="40.00", stock=4, low_stock_threshold=5)
    assert place_order(customer, [(product, 1)]).status_code == 201
    make_review(product, customer, status="pending", title="Great kettle")
    html = staff_client.get("/admin/").get_data(as_text=True)
    assert "Kastoma Store" in html, "store name from the site settings"
    assert "Orders today" in html and "Revenue this week" in html
    assert "USD 45.99" in html, "40.00 + 5.99 standard shipping"
    assert 'id="sales-chart"' in html and html.count('class="bar"') == 30
    assert "Blue Kettle" in html and "KET-BLUE" in html, "low stock (3 left, threshold 5)"
    assert "Great kettle" in html
    assert "/admin/order/?flt0_" in html, "each waiting status links to the filtered order list"


# --- CSRF ---------------------------------------------------------------------------------------


def test_forms_posted_without_a_token_are_rejected(staff_client, customer, make_product, place_order):
    product = make_product("Blue Kettle", sku="KET-BLUE", stock=4)
    order_id = place_order(customer, [(product, 1)]).get_json()["data"]["id"]
    response = staff_client.post(f"/admin/order/transition/{order_id}/", data={"action": "confirm"})
    assert response.status_code == 400
    bad = staff_client.post(f"/admin/order/transition/{order_id}/", data={"action": "confirm", "csrf_token": "forged"})
    assert bad.status_code == 400
    assert reload(Order, uuid.UUID(order_id)).status.value == "pending"
    assert staff_client.post("/admin/coupon/new/", data={"code": "FREE", "value": "100"}).status_code == 400
    assert staff_client.post("/admin/logout/").status_code == 400
    assert staff_client.get("/admin/").status_code == 200, "still signed in"


def test_login_form_needs_a_token(client, staff):
    response = client.post("/admin/login/", data={"email": staff.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_a_token_from_another_session_is_rejected(app, client, staff, login):
    other = app.test_client()
    stolen = csrf_token(other)
    response = client.post(
        "/admin/login/", data={"email": staff.email, "password": DEFAULT_PASSWORD, "csrf_token": stolen}
    )
    assert response.status_code == 400


# --- Rate limit and several apps ----------------------------------------------------------------


@pytest.fixture
def limited_app(app, tmp_path_factory):
    """A second app in this process, with rate limits on (the suite's app has them off)."""
    was_enabled = limiter.enabled
    limited = make_test_app(
        tmp_path_factory,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"kastoma-admin-test-{uuid.uuid4().hex[:8]}",
        RATELIMIT_ADMIN_LOGIN="3/minute",
    )
    try:
        yield limited
    finally:
        limiter.enabled = was_enabled


def test_login_attempts_are_rate_limited(limited_app, staff):
    client = limited_app.test_client()
    statuses = []
    for _ in range(4):
        data = {"email": staff.email, "password": "wrong-password", "csrf_token": csrf_token(client)}
        statuses.append(client.post("/admin/login/", data=data).status_code)
    assert statuses == [401, 401, 401, 429]
    assert client.get("/admin/login/").status_code == 200, "only the attempts are limited, not the page"


def test_each_app_has_its_own_console(app, limited_app):
    assert app.extensions["admin"][0] is not limited_app.extensions["admin"][0]
    assert app.extensions["admin"][0].app is app and limited_app.extensions["admin"][0].app is limited_app
    assert limited_app.test_client().get("/admin/").status_code == 302


# --- Coupons ------------------------------------------------------------------------------------


def test_coupon_create_and_edit_through_the_service(staff_client, post_form):
    form = {"code": "spring25", "description": "Spring", "discount_type": "percentage", "value": "25", "is_active": "y"}
    post_form("/admin/coupon/new/", form, token_from="/admin/coupon/new/")
    coupon = db.session.scalar(select(Coupon).where(Coupon.code == "SPRING25"))
    assert coupon is not None and coupon.value == 25, "codes are normalised by the coupon service"
    bad = post_form("/admin/coupon/new/", {**form, "code": "BIG", "value": "150"}, token_from="/admin/coupon/new/")
    assert "A percentage cannot exceed 100." in bad.get_data(as_text=True)
    assert db.session.scalar(select(Coupon).where(Coupon.code == "BIG")) is None
    duplicate = post_form("/admin/coupon/new/", {**form, "code": "Spring25"}, token_from="/admin/coupon/new/")
    assert "already exists" in duplicate.get_data(as_text=True)
    post_form(
        f"/admin/coupon/edit/?id={coupon.id}",
        {**form, "value": "30", "min_order_amount": "50"},
        token_from=f"/admin/coupon/edit/?id={coupon.id}",
    )
    updated = reload(Coupon, coupon.id)
    assert updated.value == 30 and updated.min_order_amount == 50


# --- Users --------------------------------------------------------------------------------------


def test_users_never_show_password_hashes(staff_client, customer):
    for url in ("/admin/user/", f"/admin/user/details/?id={customer.id}", f"/admin/user/edit/?id={customer.id}"):
        html = staff_client.get(url).get_data(as_text=True)
        assert customer.password_hash not in html and "password" not in html.lower().replace("current-password", "")
    assert customer.email in staff_client.get("/admin/user/?search=" + customer.email.split("@")[0]).get_data(
        as_text=True
    )
    assert staff_client.get("/admin/user/export/csv/").status_code == 302, "no user export"


def test_staff_deactivate_users_but_only_admins_change_roles(staff_client, post_form, customer, admin, login, client):
    edit = f"/admin/user/edit/?id={customer.id}"
    form = {"first_name": "Cara", "last_name": "Customer", "role": "customer"}
    post_form(edit, form, token_from=edit)  # is_active unchecked: deactivate
    assert reload(User, customer.id).is_active is False
    response = post_form(edit, {**form, "role": "staff", "is_active": "y"}, token_from=edit)
    assert "Only administrators can change roles." in response.get_data(as_text=True)
    assert reload(User, customer.id).role is Role.CUSTOMER
    staff_client.post("/admin/logout/", data={"csrf_token": csrf_token(staff_client, "/admin/")})
    login(client, admin)
    post_form(edit, {**form, "role": "staff", "is_active": "y"}, token_from=edit)
    promoted = reload(User, customer.id)
    assert promoted.role is Role.STAFF and promoted.is_active is True


# --- Settings and email templates ---------------------------------------------------------------


def test_site_settings_are_typed(staff_client, post_form):
    from kastoma.core.settings import ensure_default_settings

    ensure_default_settings()
    db.session.commit()
    row = db.session.scalar(select(SiteSetting).where(SiteSetting.key == "store_name"))
    edit = f"/admin/sitesetting/edit/?id={row.id}"
    post_form(edit, {"value": "Kettle Corner"}, token_from=edit)
    db.session.expire_all()
    assert get_setting("store_name") == "Kettle Corner"
    assert "Kettle Corner" in staff_client.get("/admin/").get_data(as_text=True)
    tax = db.session.scalar(select(SiteSetting).where(SiteSetting.key == "tax_rate"))
    response = post_form(
        f"/admin/sitesetting/edit/?id={tax.id}", {"value": "lots"}, token_from=f"/admin/sitesetting/edit/?id={tax.id}"
    )
    assert "Not a valid decimal" in response.get_data(as_text=True)


def test_email_templates_preview_in_the_sandbox(client, admin, login, post_form):
    login(client, admin)
    form = {
        "name": "promo",
        "subject": "Hello {{ user.first_name }} from {{ store_name }}",
        "body_text": "Hi!",
        "is_active": "y",
    }
    post_form("/admin/emailtemplate/new/", form, token_from="/admin/emailtemplate/new/")
    template = db.session.scalar(select(EmailTemplate).where(EmailTemplate.name == "promo"))
    preview = client.get(f"/admin/emailtemplate/preview/?id={template.id}").get_data(as_text=True)
    assert "Hello Cara from Kastoma Store" in preview
    hostile = {**form, "name": "evil", "body_text": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
    response = post_form("/admin/emailtemplate/new/", hostile, token_from="/admin/emailtemplate/new/")
    assert "could not be rendered" in response.get_data(as_text=True)
    assert db.session.scalar(select(EmailTemplate).where(EmailTemplate.name == "evil")) is None


def test_bulk_deactivation_respects_the_user_service(staff_client, post_form, staff, customer, admin):
    ids = [str(customer.id), str(admin.id), str(staff.id)]
    response = post_form("/admin/user/action/", {"action": "deactivate", "rowid": ids}, token_from="/admin/user/")
    html = response.get_data(as_text=True)
    assert "1 account(s) deactivated." in html
    assert "Only administrators can change an administrator" in html
    assert reload(User, customer.id).is_active is False
    assert reload(User, admin.id).is_active is True and reload(User, staff.id).is_active is True
