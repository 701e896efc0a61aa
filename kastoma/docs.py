"""API documentation pages: Swagger UI and ReDoc served from the pinned local bundles."""

from __future__ import annotations

import openapi_ui_bundles
from flask import Flask, send_from_directory

from kastoma.api import Api

SWAGGER_UI_URL = "/api/static/swagger-ui/"
REDOC_URL = "/api/static/redoc/redoc.standalone.js"

DOCS_CONFIG = {
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs/",
    "OPENAPI_SWAGGER_UI_URL": SWAGGER_UI_URL,
    "OPENAPI_REDOC_PATH": "redoc/",
    "OPENAPI_REDOC_URL": REDOC_URL,
}


def init_docs(app: Flask, api: Api) -> None:
    """Serve the UI bundles from the installed package (no CDN) and `/api/schema/`."""
    bundles = {"swagger-ui": openapi_ui_bundles.swagger_ui.static_path, "redoc": openapi_ui_bundles.redoc.static_path}

    def ui_asset(bundle: str, filename: str):
        return send_from_directory(bundles[bundle], filename, max_age=86400)

    app.add_url_rule('/api/static/<any("swagger-ui", redoc):bundle>/<path:filename>', "api_docs_asset", ui_asset)
    app.add_url_rule("/api/schema/", "api_schema", api._openapi_json)
