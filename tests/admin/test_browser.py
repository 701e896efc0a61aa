"""A staff member's day in a real headless Chromium (dashboard, restock, ship and deliver, coupon,
moderation, log out) and the API's Swagger UI executing GET /health/.

Screenshots of the dashboard and an order page go to test-output/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kastoma.extensions import db
from tests.conftest import DEFAULT_PASSWORD, IN_CI
from tests.live import live_server

pytestmark = [pytest.mark.browser, pytest.mark.committing]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def choose(page, toggle: str, item: str) -> None:
    """Open a Bootstrap dropdown and click one of its items (once the page's scripts are bound)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_load_state("load")
    for _ in range(3):
        page.click(toggle)
        target = page.locator(item)
        try:
            target.wait_for(state="visible", timeout=3_000)
        except PlaywrightTimeout:
            continue
        target.click()
        return
    raise AssertionError(f"the menu {toggle!r} never showed {item!r}")


@pytest.fixture
def browser_page():
    if not Path(CHROMIUM).exists():
        # CI installs Debian's chromium (.ci/run): there a missing browser is a failure, not a skip.
        if IN_CI:
            pytest.fail("Chromium is missing at /usr/bin/chromium; .ci/run should have installed it.")
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium chromium-driver)")
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.csp_errors = []
        page.on(
            "console",
            lambda msg: (
                page.csp_errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def shop(app, staff, customer, make_product, make_review, place_order):
    """Committed data for the scenario: a low-stock product, an order and a review waiting."""
    kettle = make_product("Copper Kettle", sku="KET-COPPER", price="49.00", stock=3, low_stock_threshold=5)
    make_product("Tea Cup", sku="CUP-WHITE", price="8.00", stock=40)
    response = place_order(customer, [(kettle, 1)])
    assert response.status_code == 201, response.get_json()
    make_review(kettle, customer, rating=5, status="pending", title="Boils in no time")
    data = {"staff_email": staff.email, "order_number": response.get_json()["data"]["order_number"]}
    # No open transaction of ours may hold SQLite's lock while the live server writes.
    db.session.commit()
    db.session.close()
    return data


def test_a_staff_members_day(app, shop, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with live_server(app) as base:
        # Anonymous -> login page; sign in as staff.
        page.goto(base + "/admin/")
        expect(page).to_have_url(re.compile(r"/admin/login/"))
        page.fill("#email", shop["staff_email"])
        page.fill("#password", DEFAULT_PASSWORD)
        page.click("button[type=submit]")

        # Dashboard.
        expect(page.locator("#dashboard-kpis")).to_contain_text("Orders today")
        expect(page.locator("#dashboard-kpis")).to_contain_text("USD 54.99")
        expect(page.locator("#low-stock")).to_contain_text("KET-COPPER")
        expect(page.locator("#pending-reviews")).to_contain_text("Boils in no time")
        expect(page.locator("#sales-chart rect.bar")).to_have_count(30)
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
        assert not page.csp_errors, page.csp_errors

        # Find the product by SKU and restock it.
        choose(page, "text=Catalogue", "a.dropdown-item:has-text('Products')")
        page.fill("input[name=search]", "KET-COPPER")
        page.press("input[name=search]", "Enter")
        rows = page.locator("table.model-list tbody tr")
        expect(rows).to_have_count(1)
        page.screenshot(path=str(SCREENSHOTS / "products.png"))
        expect(rows.first).to_contain_text("Copper Kettle")
        rows.first.locator("a[title='View Record']").click()
        page.fill("#delta", "20")
        page.select_option("#reason", "purchase")
        page.fill("#note", "Supplier delivery")
        page.click("#adjust-stock button[type=submit]")
        expect(page.locator(".alert")).to_contain_text("Stock of KET-COPPER changed by +20 (purchase): now 22.")
        expect(page.locator("#stock-movements")).to_contain_text("Supplier delivery")
        page.screenshot(path=str(SCREENSHOTS / "product.png"), full_page=True)

        # Process the order up to shipped.
        page.click("a.nav-link:has-text('Orders')")
        order_row = page.locator("table.model-list tbody tr", has_text=shop["order_number"])
        order_row.locator("a[title='View Record']").click()
        expect(page.locator("#order-status")).to_have_text("pending")
        page.click(".action-confirm button")
        expect(page.locator("#order-status")).to_have_text("confirmed")
        page.click(".action-process button")
        expect(page.locator("#order-status")).to_have_text("processing")
        page.fill(".action-ship input[name=carrier]", "DHL")
        page.fill(".action-ship input[name=tracking_number]", "JD0001234567")
        page.click(".action-ship button")
        expect(page.locator("#order-status")).to_have_text("shipped")
        expect(page.locator("#order-tracking")).to_contain_text("JD0001234567")
        expect(page.locator("#order-history")).to_contain_text("processing → shipped")
        page.screenshot(path=str(SCREENSHOTS / "order.png"), full_page=True)
        page.click(".action-deliver button")
        expect(page.locator("#order-status")).to_have_text("delivered")
        # Only the moves the state machine allows are offered.
        expect(page.locator("#order-actions")).not_to_contain_text("Confirm")

        # Create a coupon.
        page.click("a.nav-link:has-text('Coupons')")
        page.click("a:has-text('Create')")
        page.fill("#code", "autumn15")
        page.select_option("#discount_type", "percentage")
        page.fill("#value", "15")
        page.fill("#description", "Autumn sale")
        page.click("input[type=submit][value='Save']")
        expect(page.locator(".alert-success")).to_be_visible()
        expect(page.locator("table.model-list")).to_contain_text("AUTUMN15")

        # Approve the review with the bulk action (the CSP-safe "With selected" menu).
        choose(page, "text=Catalogue", "a.dropdown-item:has-text('Reviews')")
        review_row = page.locator("table.model-list tbody tr", has_text="Boils in no time")
        review_row.locator("input.action-checkbox").check()
        choose(page, "text=With selected", "a.dropdown-item:has-text('Approve')")
        expect(page.locator(".alert-success")).to_contain_text("1 review(s) approved.")
        expect(page.locator("table.model-list tbody")).to_contain_text("approved")

        # Log out: the session is gone.
        page.click("#logout-button")
        expect(page).to_have_url(re.compile(r"/admin/login/"))
        expect(page.locator(".alert")).to_contain_text("signed out")
        page.goto(base + "/admin/order/")
        expect(page).to_have_url(re.compile(r"/admin/login/"))
        assert not page.csp_errors, page.csp_errors


def test_swagger_ui_lists_endpoints_and_executes_health(app, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    with live_server(app) as base:
        page.goto(base + "/api/docs/")
        expect(page.locator(".opblock").first).to_be_visible()
        assert page.locator(".opblock").count() > 20
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/orders/").first).to_be_visible()
        health = page.locator(".opblock.opblock-get", has=page.locator(".opblock-summary-path[data-path='/health/']"))
        health.first.locator(".opblock-summary").click()
        health.first.locator("button.try-out__btn").click()
        health.first.locator("button.execute").click()
        status = health.first.locator(".live-responses-table tbody td.response-col_status")
        expect(status.first).to_have_text(re.compile(r"^\s*200"))
        assert not page.csp_errors, page.csp_errors
