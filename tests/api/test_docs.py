"""API documentation: Swagger UI and ReDoc from local assets, and a valid OpenAPI spec."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_swagger_ui_is_served_from_local_assets(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert 'data-spec-url="/api/openapi.json"' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets), "no asset may come from a CDN"
    for asset in assets:
        asset_response = client.get(asset)
        assert asset_response.status_code == 200, asset
        assert len(asset_response.data) > 100
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)


def test_docs_pages_run_under_a_strict_csp(client):
    csp = client.get("/api/docs/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "<script>" not in client.get("/api/docs/").get_data(as_text=True)


def test_redoc_is_served_from_local_assets(client):
    r = client.get("/api/redoc")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'spec-url="/api/openapi.json"' in html
    script = re.search(r'<script src="([^"]+)"', html).group(1)
    assert script.startswith("/api/static/redoc/")
    assert client.get(script).status_code == 200


def test_spec_is_valid_openapi_at_both_urls(client):
    spec = client.get("/api/schema/").get_json()
    assert spec == client.get("/api/openapi.json").get_json()
    validate(spec)
    assert spec["info"]["title"] == "Kastoma API"
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_spec_documents_the_envelope_with_stable_names(client):
    spec = client.get("/api/schema/").get_json()
    schemas = spec["components"]["schemas"]
    envelope = schemas["PublicSettingsEnvelope"]
    assert set(envelope["properties"]) == {"success", "data", "message", "errors"}
    assert envelope["properties"]["data"]["$ref"].endswith("/PublicSettings")
    assert set(schemas["Error"]["properties"]) == {"success", "data", "message", "errors", "code"}
    op = spec["paths"]["/api/v1/core/settings/"]["get"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/PublicSettingsEnvelope")
    assert "/health/ready/" in spec["paths"]


def test_error_responses_are_documented_with_the_error_envelope(client):
    """Errors must not be documented as a success envelope wrapping an error (client generators
    and schemathesis validate real error bodies against these schemas)."""
    spec = client.get("/api/schema/").get_json()
    assert "ErrorEnvelope" not in spec["components"]["schemas"]
    api_paths = {p: ops for p, ops in spec["paths"].items() if p.startswith("/api/v1/")}
    assert len(api_paths) > 50
    for path, operations in api_paths.items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation.get("responses", {}).items():
                if status.startswith(("4", "5")) and "content" in response:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/Error"), (method, path, status, ref)
