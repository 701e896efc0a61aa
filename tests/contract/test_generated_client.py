"""The spec is good enough for a real client generator: openapi-python-client builds a client from
it, and that client runs a whole purchase (register, add to cart, checkout, read the order).

The generated client talks HTTP through httpx, in-process to the session's app (WSGI transport).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kastoma.extensions import db
from kastoma.orders.models import Order
from tests.fixtures.orders import ADDRESS

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(scope="module")
def generated(app, tmp_path_factory):
    """The generated package, imported (a fresh module name per run)."""
    out = tmp_path_factory.mktemp("client")
    spec = out / "openapi.json"
    spec.write_text(json.dumps(app.test_client().get("/api/schema/").get_json()))
    config = out / "config.json"
    config.write_text(json.dumps({"package_name_override": "kastoma_client", "post_hooks": []}))
    result = subprocess.run(  # noqa: S603 - the venv's own generator on a file we wrote
        [
            GENERATOR,
            "generate",
            "--path",
            spec,
            "--output-path",
            out / "kastoma_client",
            "--meta",
            "none",
            "--config",
            config,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # A warning means part of the spec could not be turned into code.
    assert result.returncode == 0 and "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(out))
    try:
        yield lambda name: importlib.import_module(f"kastoma_client.{name}")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "kastoma_client" or m.startswith("kastoma_client.")]:
            del sys.modules[name]


def test_a_generated_client_buys_a_product(app, generated, make_product):
    product = make_product(name="Desk Lamp", price="24.50", stock=5)
    transport = {"transport": httpx.WSGITransport(app=app)}
    client_mod, models = generated("client"), generated("models")
    anonymous = client_mod.Client(base_url="http://localhost", httpx_args=transport, raise_on_unexpected_status=True)

    register = generated("api.auth.post_api_v1_auth_register")
    body = models.Register(username="lamp-fan", email="lamp@example.com", password="Orange-Lamp-2026")
    account = register.sync(client=anonymous, body=body)
    assert isinstance(account, models.AuthResultEnvelope) and account.data.user.username == "lamp-fan"

    customer = client_mod.AuthenticatedClient(
        base_url="http://localhost", token=account.data.access, httpx_args=transport, raise_on_unexpected_status=True
    )
    add_item = generated("api.cart.post_api_v1_cart_add_item")
    cart = add_item.sync(client=customer, body=models.AddItem(product_id=product.id, quantity=2))
    assert isinstance(cart, models.CartEnvelope), cart
    assert cart.data.item_count == 2 and cart.data.totals.subtotal == "49.00"

    checkout = generated("api.cart.post_api_v1_cart_checkout")
    order_body = models.Checkout.from_dict({"payment_method": "credit_card", "shipping_address": ADDRESS})
    placed = checkout.sync(client=customer, body=order_body, idempotency_key=str(uuid.uuid4()))
    assert isinstance(placed, models.OrderEnvelope), placed
    assert placed.data.status == models.OrderStatus.PENDING and placed.data.subtotal == "49.00"

    read = generated("api.orders.get_api_v1_orders_order_id")
    order = read.sync(client=customer, order_id=placed.data.id)
    assert isinstance(order, models.OrderEnvelope)
    assert order.data.order_number == placed.data.order_number
    assert [(item.product_name, item.quantity) for item in order.data.items] == [("Desk Lamp", 2)]
    assert order.data.shipping_address.city == ADDRESS["city"]

    stored = db.session.scalars(select(Order).where(Order.id == placed.data.id)).one()
    db.session.refresh(product)
    assert stored.total == Decimal(placed.data.total) and product.stock == 3
