"""Function-level authorization: every API route is classified, and the classes hold.

The inventory is read from the app's URL map, so a new route fails this test until someone
decides who may call it (OWASP API5:2023).
"""

from __future__ import annotations

import uuid

import pytest

from kastoma.extensions import db

PUBLIC, CUSTOMER, STAFF, SIGNED = "public", "customer", "staff", "signed"
OPERATOR = "operator"  # loopback or the metrics bearer token; a 404 to anyone else

# endpoint -> {method: class}; "public" includes endpoints that also accept an optional token.
ROUTES: dict[str, dict[str, str]] = {
    "health.Health": {"GET": PUBLIC},
    "health.Live": {"GET": PUBLIC},
    "health.Ready": {"GET": PUBLIC},
    "health.Detailed": {"GET": PUBLIC},
    "core.PublicSettings": {"GET": PUBLIC},
    "analytics.SalesAnalytics": {"GET": STAFF},
    "analytics.ApiStats": {"GET": STAFF},
    "site_settings.SiteSettings": {"GET": STAFF, "POST": STAFF},
    "site_settings.SiteSettingDetail": {"GET": STAFF, "PUT": STAFF, "PATCH": STAFF, "DELETE": STAFF},
    "email_templates.EmailTemplates": {"GET": STAFF, "POST": STAFF},
    "email_templates.EmailTemplateDetail": {"GET": STAFF, "PUT": STAFF, "PATCH": STAFF, "DELETE": STAFF},
    "email_templates.EmailTemplatePreview": {"POST": STAFF},
    "page_views.PageViews": {"POST": PUBLIC, "GET": STAFF},
    "page_views.PageViewSummary": {"GET": STAFF},
    "stats.ProductStats": {"GET": STAFF},
    "stats.CategoryStats": {"GET": STAFF},
    "stats.UserStats": {"GET": STAFF},
    "stats.ProfileStats": {"GET": STAFF},
    "stats.OrderStats": {"GET": STAFF},
    "stats.CartStats": {"GET": STAFF},
    "auth.Register": {"POST": PUBLIC},
    "auth.RegisterConfirm": {"POST": PUBLIC},
    "auth.Login": {"POST": PUBLIC},
    "auth.Refresh": {"POST": PUBLIC},
    "auth.Verify": {"POST": PUBLIC},
    "auth.PasswordReset": {"POST": PUBLIC},
    "auth.PasswordResetConfirm": {"POST": PUBLIC},
    "auth.PasswordResetConfirmInPath": {"POST": PUBLIC},
    "auth.Logout": {"POST": CUSTOMER},
    "account.Me": {"GET": CUSTOMER, "PUT": CUSTOMER, "PATCH": CUSTOMER},
    "account.UpdateProfileAlias": {"GET": CUSTOMER, "PUT": CUSTOMER, "PATCH": CUSTOMER},
    "account.ConfirmEmailChange": {"POST": PUBLIC},
    "account.ProfileAlias": {"GET": CUSTOMER, "PUT": CUSTOMER, "PATCH": CUSTOMER},
    "account.ProfileUpdateAlias": {"GET": CUSTOMER, "PUT": CUSTOMER, "PATCH": CUSTOMER},
    "account.ChangePassword": {"POST": CUSTOMER},
    "account.ChangePasswordAlias": {"POST": CUSTOMER},
    "account.DeleteAccount": {"DELETE": CUSTOMER},
    "account.DeleteAccountAlias": {"DELETE": CUSTOMER},
    "account.MyProfile": {"GET": CUSTOMER, "PUT": CUSTOMER, "PATCH": CUSTOMER},
    "account.UpdateMyProfileAlias": {"GET": CUSTOMER, "PUT": CUSTOMER, "PATCH": CUSTOMER},
    "profiles.Profiles": {"GET": STAFF, "POST": CUSTOMER},
    "profiles.ProfileDetail": {"GET": CUSTOMER, "PUT": CUSTOMER, "PATCH": CUSTOMER, "DELETE": CUSTOMER},
    "account.Avatar": {"POST": CUSTOMER},
    "addresses.Addresses": {"GET": CUSTOMER, "POST": CUSTOMER},
    "addresses.AddressDetail": {"GET": CUSTOMER, "PATCH": CUSTOMER, "PUT": CUSTOMER, "DELETE": CUSTOMER},
    "wishlists.Wishlists": {"GET": CUSTOMER, "POST": CUSTOMER},
    "wishlists.DefaultWishlist": {"GET": CUSTOMER},
    "wishlists.WishlistDetail": {"GET": PUBLIC, "PATCH": CUSTOMER, "DELETE": CUSTOMER},
    "wishlists.WishlistItems": {"POST": CUSTOMER},
    "wishlists.WishlistItemDetail": {"DELETE": CUSTOMER},
    "users.Users": {"GET": STAFF, "POST": STAFF},
    "users.UserDetail": {"GET": STAFF, "PUT": STAFF, "PATCH": STAFF, "DELETE": STAFF},
    "categories.Categories": {"GET": PUBLIC, "POST": STAFF},
    "categories.CategoryTree": {"GET": PUBLIC},
    "categories.CategoryRoots": {"GET": PUBLIC},
    "categories.CategoryChildren": {"GET": PUBLIC},
    "categories.CategoryProducts": {"GET": PUBLIC},
    "categories.CategoryDetail": {"GET": PUBLIC, "PUT": STAFF, "PATCH": STAFF, "DELETE": STAFF},
    "products.Products": {"GET": PUBLIC, "POST": STAFF},
    "products.ProductSearch": {"GET": PUBLIC},
    "products.FeaturedProducts": {"GET": PUBLIC},
    "products.PopularProducts": {"GET": PUBLIC},
    "products.LowStock": {"GET": STAFF},
    "products.ProductDetail": {"GET": PUBLIC, "PUT": STAFF, "PATCH": STAFF, "DELETE": STAFF},
    "products.ProductRestore": {"POST": STAFF},
    "variants.Variants": {"GET": PUBLIC, "POST": STAFF},
    "variants.VariantDetail": {"GET": PUBLIC, "PUT": STAFF, "PATCH": STAFF, "DELETE": STAFF},
    "variants.Images": {"GET": PUBLIC, "POST": STAFF},
    "variants.ImageDetail": {"PATCH": STAFF, "DELETE": STAFF},
    "stock.UpdateStock": {"POST": STAFF},
    "stock.StockMovements": {"GET": STAFF},
    "reviews.ProductReviews": {"GET": PUBLIC, "POST": CUSTOMER},
    "reviews.ProductReview": {"GET": PUBLIC, "PATCH": CUSTOMER, "DELETE": CUSTOMER},
    "reviews.ModerationQueue": {"GET": STAFF},
    "reviews.ReviewModeration": {"GET": STAFF, "PATCH": STAFF},
    "cart.CartDetail": {"GET": PUBLIC, "POST": PUBLIC},
    "cart.CartById": {"GET": PUBLIC, "PUT": PUBLIC, "PATCH": PUBLIC, "DELETE": PUBLIC},
    "cart.MyCart": {"GET": PUBLIC, "POST": PUBLIC},
    "cart.AddItem": {"POST": PUBLIC},
    "cart.UpdateItem": {"PATCH": PUBLIC},
    "cart.RemoveItem": {"DELETE": PUBLIC},
    "cart.CartItemDetail": {"DELETE": PUBLIC},
    "cart.Clear": {"DELETE": PUBLIC},
    "cart.ApplyCoupon": {"POST": PUBLIC},
    "cart.RemoveCoupon": {"DELETE": PUBLIC},
    "cart.CartCheckout": {"POST": CUSTOMER},
    "orders.Orders": {"GET": CUSTOMER, "POST": CUSTOMER},
    "orders.MyOrders": {"GET": CUSTOMER},
    "orders.OrderDetail": {"GET": CUSTOMER, "PUT": STAFF, "PATCH": STAFF, "DELETE": CUSTOMER},
    "orders.Cancel": {"POST": CUSTOMER},
    "orders.Pay": {"POST": CUSTOMER},
    "orders.UpdateStatus": {"PATCH": STAFF},
    "orders.AddTracking": {"PATCH": STAFF},
    "orders.MarkPaid": {"POST": STAFF},
    "coupons.Coupons": {"GET": STAFF, "POST": STAFF},
    "coupons.CouponDetail": {"GET": STAFF, "PATCH": STAFF, "DELETE": STAFF},
    "coupons.ValidateCoupon": {"POST": PUBLIC},
    "payments.Webhook": {"POST": SIGNED},  # authenticated by its HMAC signature; tokens do not help
    "metrics": {"GET": OPERATOR},
}
NOT_API = ("static", "api-docs.", "api_docs_asset", "api_schema", "media", "admin", "_")


def api_routes(app) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(NOT_API) or rule.rule.startswith("/admin"):
            continue
        url = rule.rule
        for arg in rule.arguments:
            converter = rule._converters[arg].__class__.__name__
            url = url.replace(f"<{'uuid:' if converter == 'UUIDConverter' else ''}{arg}>", str(uuid.uuid4()))
            url = url.replace(f"<string:{arg}>", "x")
        routes.extend((rule.endpoint, method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return routes


def test_every_route_is_classified(app):
    found = {(endpoint, method) for endpoint, method, _ in api_routes(app)}
    listed = {(endpoint, method) for endpoint, methods in ROUTES.items() for method in methods}
    assert found - listed == set(), "new routes need a class in ROUTES"
    assert listed - found == set(), "ROUTES lists routes that no longer exist"


def test_the_classes_hold(app, client, customer, auth_headers):
    failures = []
    for endpoint, method, url in api_routes(app):
        expected = ROUTES[endpoint][method]
        anonymous = client.open(url, method=method, json={})
        # A fresh, active session each time: logout and account deletion are among the routes.
        customer.is_active = True
        db.session.commit()
        as_customer = client.open(url, method=method, json={}, headers=auth_headers(customer))
        if expected == PUBLIC and anonymous.status_code in (401, 403):
            failures.append((endpoint, method, "anonymous refused on a public route", anonymous.status_code))
        if expected in (CUSTOMER, STAFF) and anonymous.status_code != 401:
            failures.append((endpoint, method, "anonymous not 401", anonymous.status_code))
        if expected == STAFF and as_customer.status_code != 403:
            failures.append((endpoint, method, "customer not 403", as_customer.status_code))
        if expected == SIGNED and (anonymous.status_code, as_customer.status_code) != (401, 401):
            failures.append((endpoint, method, "unsigned call not 401", anonymous.status_code))
        if expected == OPERATOR:
            remote = client.open(url, method=method, environ_base={"REMOTE_ADDR": "203.0.113.9"})
            if (remote.status_code, as_customer.status_code) != (404, 200):
                failures.append((endpoint, method, "not loopback-only", remote.status_code))
        if expected == CUSTOMER and as_customer.status_code in (401, 403):
            failures.append((endpoint, method, "customer refused", as_customer.status_code))
        for response in (anonymous, as_customer):
            assert response.status_code < 500, (endpoint, method, response.get_data(as_text=True)[:200])
    assert failures == []


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b", "Token abc"])
def test_malformed_authorization_headers_are_401(client, header):
    r = client.get("/api/v1/users/me/", headers={"Authorization": header})
    assert r.status_code == 401 and r.get_json()["code"] in ("token_missing", "token_invalid")
