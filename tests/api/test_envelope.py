"""The envelope, error format and pagination of `kastoma.api`, through a probe blueprint."""

from __future__ import annotations

import json

import marshmallow as ma
import pytest
from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from kastoma.api import Blueprint, SelectPage
from kastoma.core.models import SiteSetting
from kastoma.envelope import set_message
from kastoma.errors import InsufficientStock
from kastoma.extensions import db
from tests.conftest import make_test_app

probe = Blueprint("probe", __name__, url_prefix="/api/v1/probe")

SECRET = "password=hunter2 at /srv/kastoma/app.py: SELECT * FROM users"


class ItemSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))
    quantity = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))


class SettingSchema(ma.Schema):
    key = ma.fields.String()


@probe.route("/items/")
class Items(MethodView):
    @probe.response(200, ItemSchema(many=True))
    @probe.paginate(Page)
    def get(self):
        return [{"name": f"item {i}", "quantity": i} for i in range(1, 46)]

    @probe.arguments(ItemSchema)
    @probe.response(201, ItemSchema)
    def post(self, item):
        set_message("Item created.")
        return item


@probe.route("/settings/")
class Settings(MethodView):
    @probe.response(200, SettingSchema(many=True))
    @probe.paginate(SelectPage)
    def get(self):
        return select(SiteSetting).order_by(SiteSetting.key)

    def post(self):
        db.session.add(SiteSetting(key="dup", value="1"))
        db.session.add(SiteSetting(key="dup", value="2"))
        db.session.commit()


@probe.route("/boom/")
class Boom(MethodView):
    def get(self):
        raise RuntimeError(SECRET)


@probe.route("/stock/")
class Stock(MethodView):
    def post(self):
        raise InsufficientStock(errors={"requested": 3, "available": 1})


@pytest.fixture(scope="module")
def probe_app(app, tmp_path_factory):
    probe_app = make_test_app(
        tmp_path_factory,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        PROPAGATE_EXCEPTIONS=False,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    probe_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(probe)
    return probe_app


@pytest.fixture
def pc(probe_app):
    return probe_app.test_client()


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"success", "data", "message", "errors", "code"}
    assert body["success"] is False and body["data"] is None and body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_success_envelope_with_message(pc):
    r = pc.post("/api/v1/probe/items/", json={"name": "hat", "quantity": 2})
    assert r.status_code == 201
    assert r.get_json() == {
        "success": True,
        "data": {"name": "hat", "quantity": 2},
        "message": "Item created.",
        "errors": None,
    }


def test_validation_error_lists_fields(pc):
    r = pc.post("/api/v1/probe/items/", json={"name": "", "quantity": 0, "extra": 1})
    body = assert_error(r, 400, "validation_error")
    assert set(body["errors"]) == {"name", "quantity", "extra"}
    assert all(isinstance(msgs, list) and msgs for msgs in body["errors"].values())


def test_malformed_and_absurd_json_bodies_are_400(pc):
    r = pc.post("/api/v1/probe/items/", data="{not json", content_type="application/json")
    assert assert_error(r, 400, "validation_error")["errors"] == {"_schema": ["Invalid JSON body."]}
    r = pc.post("/api/v1/probe/items/", data="[" * 5000 + "]" * 5000, content_type="application/json")
    assert_error(r, 400, "validation_error")
    r = pc.post("/api/v1/probe/items/", json=[1, 2])
    assert_error(r, 400, "validation_error")


def test_page_number_pagination(pc):
    r = pc.get("/api/v1/probe/items/?page=2&page_size=20&q=x")
    assert r.status_code == 200
    body = r.get_json()
    assert [i["quantity"] for i in body["data"]] == list(range(21, 41))
    assert body["pagination"] == {
        "count": 45,
        "page": 2,
        "page_size": 20,
        "pages": 3,
        "next": "http://localhost/api/v1/probe/items/?page=3&page_size=20&q=x",
        "previous": "http://localhost/api/v1/probe/items/?page=1&page_size=20&q=x",
    }


def test_pagination_defaults_limits_and_far_pages(pc):
    body = pc.get("/api/v1/probe/items").get_json()
    assert len(body["data"]) == 20 and body["pagination"]["previous"] is None
    assert pc.get("/api/v1/probe/items/?page_size=100").status_code == 200
    errors = assert_error(pc.get("/api/v1/probe/items/?page_size=101"), 400, "validation_error")["errors"]
    assert "page_size" in errors
    assert_error(pc.get("/api/v1/probe/items/?page=0"), 400, "validation_error")
    assert_error(pc.get("/api/v1/probe/items/?page=abc"), 400, "validation_error")
    far = pc.get(f"/api/v1/probe/items/?page={10**9}")
    assert far.status_code == 200
    assert far.get_json()["data"] == [] and far.get_json()["pagination"]["next"] is None
    assert far.get_json()["pagination"]["previous"].endswith("page=3")


def test_absurd_page_numbers_are_an_empty_page(pc):
    r = pc.get(f"/api/v1/probe/settings/?page={10**30}")
    assert r.status_code == 200 and r.get_json()["data"] == []


def test_select_pagination_counts_rows(pc):
    for i in range(3):
        db.session.add(SiteSetting(key=f"probe_{i}", value=str(i)))
    db.session.commit()
    body = pc.get("/api/v1/probe/settings/?page_size=2").get_json()
    assert body["pagination"]["count"] == 3 and body["pagination"]["pages"] == 2
    assert [s["key"] for s in body["data"]] == ["probe_0", "probe_1"]


def test_trailing_slash_optional_without_redirect(pc):
    assert pc.get("/api/v1/probe/items").status_code == 200
    assert pc.get("/api/v1/probe/items/").status_code == 200
    assert pc.get("/health").status_code == 200


def test_not_found_and_method_not_allowed(pc):
    assert_error(pc.get("/api/v1/nowhere/"), 404, "not_found")
    assert_error(pc.get("/totally/elsewhere"), 404, "not_found")
    r = pc.delete("/api/v1/probe/items/")
    assert_error(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"]


def test_body_too_large_is_413(pc):
    r = pc.post(
        "/api/v1/probe/items/", data=json.dumps({"name": "x" * 100_000, "quantity": 1}), content_type="application/json"
    )
    assert_error(r, 413, "payload_too_large")


def test_domain_error_maps_to_status_and_code(pc):
    body = assert_error(pc.post("/api/v1/probe/stock/"), 409, "insufficient_stock")
    assert body["errors"] == {"requested": 3, "available": 1}


def test_integrity_error_is_409_and_rolled_back(pc):
    assert_error(pc.post("/api/v1/probe/settings/"), 409, "conflict")
    assert db.session.scalar(select(SiteSetting).where(SiteSetting.key == "dup")) is None


def test_500_leaks_nothing(pc):
    r = pc.get("/api/v1/probe/boom/")
    body = assert_error(r, 500, "internal_error")
    raw = r.get_data(as_text=True)
    for leak in ("hunter2", "SELECT", "Traceback", "/srv", ".py", "RuntimeError"):
        assert leak not in raw
    assert body["errors"] is None


def test_request_id_is_echoed_or_generated(pc):
    r = pc.get("/health/", headers={"X-Request-ID": "abc-123.def"})
    assert r.headers["X-Request-ID"] == "abc-123.def"
    generated = pc.get("/health/", headers={"X-Request-ID": "bad id <script>" + "x" * 200})
    rid = generated.headers["X-Request-ID"]
    assert rid != "" and "<" not in rid and len(rid) == 36
    assert pc.get("/health/").headers["X-Request-ID"] != rid


def test_errors_carry_request_id_and_security_headers(pc):
    r = pc.get("/api/v1/probe/boom/", headers={"X-Request-ID": "trace-me"})
    assert r.headers["X-Request-ID"] == "trace-me"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"]


def test_one_json_log_line_per_request(pc, caplog):
    with caplog.at_level("INFO", logger="kastoma.request"):
        pc.get("/api/v1/probe/items/", headers={"X-Request-ID": "log-me"})
    records = [r for r in caplog.records if r.name == "kastoma.request"]
    assert len(records) == 1
    rec = records[0]
    assert (rec.request_id, rec.method, rec.path, rec.status) == ("log-me", "GET", "/api/v1/probe/items/", 200)
    assert rec.duration_ms >= 0
    from kastoma.logs import JSONFormatter

    line = json.loads(JSONFormatter().format(rec))
    assert line["request_id"] == "log-me" and line["status"] == 200 and "user_id" in line
