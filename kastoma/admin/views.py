"""The list of back-office views, built fresh for each app (a view belongs to one Admin)."""

from __future__ import annotations

from flask_admin import BaseView

from kastoma.admin.categories import CategoryView
from kastoma.admin.content import EmailTemplateView, SiteSettingView
from kastoma.admin.coupons import CouponView
from kastoma.admin.orders import OrderView
from kastoma.admin.products import ProductView
from kastoma.admin.reviews import ReviewView
from kastoma.admin.stock import StockMovementView
from kastoma.admin.users import UserView


def build_views() -> list[BaseView]:
    return [
        OrderView(name="Orders", endpoint="order"),
        ProductView(name="Products", endpoint="product", category="Catalogue"),
        CategoryView(name="Categories", endpoint="category", category="Catalogue"),
        ReviewView(name="Reviews", endpoint="review", category="Catalogue"),
        StockMovementView(name="Stock movements", endpoint="stockmovement", category="Catalogue"),
        CouponView(name="Coupons", endpoint="coupon"),
        UserView(name="Users", endpoint="user"),
        SiteSettingView(endpoint="sitesetting", category="Settings"),
        EmailTemplateView(endpoint="emailtemplate", category="Settings"),
    ]
