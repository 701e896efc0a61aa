"""Kastoma: a headless e-commerce backend. `create_app()` builds one application."""

from __future__ import annotations

from typing import Any

from flask import Flask

__version__ = "0.1.0"


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build an app from the named config (default: KASTOMA_ENV) plus explicit overrides."""
    from config import load_config
    from kastoma.api import Api, JSONProvider
    from kastoma.cli import init_cli
    from kastoma.core.mail import init_mail
    from kastoma.docs import DOCS_CONFIG, init_docs
    from kastoma.extensions import init_extensions
    from kastoma.logs import configure_logging
    from kastoma.middleware import init_http

    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.config.from_object(load_config(config_name))
    app.config.update(DOCS_CONFIG)
    app.config.update(overrides or {})
    # Every route answers with and without its trailing slash, and never redirects.
    app.url_map.strict_slashes = False

    configure_logging(app.config["LOG_LEVEL"])
    init_extensions(app)
    init_http(app)
    init_mail(app)

    api = Api(
        app,
        spec_kwargs={
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            }
        },
    )
    register_blueprints(api)
    init_docs(app, api)
    init_cli(app)
    return app


def register_blueprints(api: Any) -> None:
    from kastoma.core.routes import blp as core_blp
    from kastoma.health.routes import blp as health_blp

    for blueprint in (health_blp, core_blp):
        api.register_blueprint(blueprint)
