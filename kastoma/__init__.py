"""Kastoma: a headless e-commerce backend. `create_app()` builds one application."""

from __future__ import annotations

from typing import Any

from flask import Flask

from kastoma.version import __version__

__all__ = ["__version__", "create_app"]


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build an app from the named config (default: KASTOMA_ENV) plus explicit overrides."""
    from config import load_config
    from kastoma.admin import init_admin
    from kastoma.api import Api
    from kastoma.auth import configure_jwt_keys
    from kastoma.cli import init_cli
    from kastoma.core.mail import init_mail
    from kastoma.docs import DOCS_CONFIG, init_docs
    from kastoma.extensions import init_extensions, jwt
    from kastoma.jobs import init_jobs
    from kastoma.logs import configure_logging
    from kastoma.media import init_media
    from kastoma.metrics import init_metrics
    from kastoma.middleware import init_http
    from kastoma.parsing import JSONProvider
    from kastoma.products.slugs import RefConverter
    from kastoma.reads import init_reads
    from kastoma.users.jwt import init_token_users

    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.config.from_object(load_config(config_name))
    app.config.update(DOCS_CONFIG)
    app.config.update(overrides or {})
    # Every route answers with and without its trailing slash, and never redirects.
    app.url_map.strict_slashes = False

    configure_logging(app.config["LOG_LEVEL"])
    configure_jwt_keys(app)
    init_extensions(app)
    init_token_users(jwt)
    init_reads(app)
    init_http(app)
    init_metrics(app)
    init_mail(app)
    init_jobs(app)
    init_media(app)

    # `<ref:id_or_slug>`: a product's or category's UUID or slug, never a fixed route's name.
    app.url_map.converters["ref"] = RefConverter
    api = Api(app)
    api.register_converter(RefConverter, lambda converter: {"type": "string"})
    register_blueprints(api)
    init_docs(app, api)
    init_admin(app)
    init_cli(app)
    return app


def register_blueprints(api: Any) -> None:
    from kastoma.core.page_view_routes import blp as page_views
    from kastoma.core.routes import blp as core
    from kastoma.core.settings_routes import blp as site_settings
    from kastoma.core.template_routes import blp as email_templates
    from kastoma.health.routes import blp as health
    from kastoma.orders.cart_routes import blp as cart
    from kastoma.orders.coupon_routes import blp as coupons
    from kastoma.orders.order_routes import blp as orders
    from kastoma.orders.payment_routes import blp as payments
    from kastoma.products.category_routes import blp as categories
    from kastoma.products.product_routes import blp as products
    from kastoma.products.stock_routes import blp as stock
    from kastoma.products.variant_routes import blp as variants
    from kastoma.reports.routes import blp as analytics
    from kastoma.reports.stats_routes import blp as stats
    from kastoma.reviews.routes import blp as reviews
    from kastoma.users.account_routes import blp as account
    from kastoma.users.address_routes import blp as addresses
    from kastoma.users.auth_routes import blp as auth
    from kastoma.users.profile_routes import blp as profiles
    from kastoma.users.staff_routes import blp as users
    from kastoma.wishlists.routes import blp as wishlists

    for blueprint in (
        health,
        core,
        site_settings,
        email_templates,
        page_views,
        auth,
        account,
        addresses,
        profiles,
        wishlists,
        users,
        categories,
        products,
        variants,
        stock,
        reviews,
        cart,
        orders,
        coupons,
        payments,
        analytics,
        stats,
    ):
        api.register_blueprint(blueprint)
