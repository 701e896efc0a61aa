"""Response bodies are written by orjson (kastoma/api.py JSONProvider) but must read exactly as
Flask's own provider wrote them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask.json.provider import DefaultJSONProvider


@dataclass
class Point:
    x: int
    label: str


VALUES = {
    "money": Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "moment": datetime(2026, 11, 24, 21, 0, 5, 123456, tzinfo=UTC),
    "day": date(2026, 11, 24),
    "point": Point(1, "café ☕"),
    "text": 'Crème brûlée \u2028 "quoted" </script>',
    "numbers": [0, -1, 2**63 - 1, 1.5, True, None],
    1: "an integer key",
    "nested": {"list": [{"deep": [1, 2, {"x": "y"}]}]},
}


def test_bodies_read_as_with_flasks_own_provider(app):
    flasks = DefaultJSONProvider(app)
    flasks.sort_keys = False  # as ours: the envelope's order is kept
    ours, theirs = app.json.dumps(VALUES), flasks.dumps(VALUES)
    assert json.loads(ours) == json.loads(theirs)
    assert json.loads(ours)["day"] == "Tue, 24 Nov 2026 00:00:00 GMT"  # Flask's HTTP date
    assert list(json.loads(ours)) == [str(k) for k in VALUES]  # key order kept


def test_what_orjson_cannot_write_falls_back_to_the_standard_library(app):
    huge = {"n": 2**70}
    assert json.loads(app.json.dumps(huge)) == huge
    assert json.loads(app.json.dumps(VALUES, indent=2)) == json.loads(app.json.dumps(VALUES))


def test_a_response_carries_utf8_text(client, make_product):
    make_product("Café Crème Mug")
    r = client.get("/api/v1/products/")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.get_json()["data"][0]["name"] == "Café Crème Mug"
