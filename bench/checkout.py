"""Checkout under load: N parallel clients, each a customer on its own keep-alive connection,
repeating add-to-cart + checkout (cash on delivery) for a fixed time; then the stock invariant
is checked in the database. A sell-out round (more buyers than units) checks for oversell.

The HTTP side runs in threads without an app context; the database side (`Stock`) in the
caller's app context.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import func, select

from kastoma.extensions import db
from kastoma.orders.models import OrderItem
from kastoma.products.models import Product

ORDER = {
    "shipping_address": {
        "first_name": "Bench",
        "last_name": "Mark",
        "line1": "1 Load St",
        "city": "Testville",
        "postal_code": "00000",
        "country": "US",
    },
    "payment_method": "cash_on_delivery",
}


@dataclass
class Stock:
    """Units in stock and units sold (in any order) of some products."""

    stock: dict[str, int]
    sold: dict[str, int]

    @classmethod
    def of(cls, product_ids: list[str]) -> Stock:
        db.session.expire_all()
        stock = dict(db.session.execute(select(Product.id, Product.stock).where(Product.id.in_(product_ids))).all())
        sold = dict(
            db.session.execute(
                select(OrderItem.product_id, func.sum(OrderItem.quantity))
                .where(OrderItem.product_id.in_(product_ids))
                .group_by(OrderItem.product_id)
            ).all()
        )
        db.session.rollback()
        return cls({str(k): v for k, v in stock.items()}, {str(p): int(sold.get(p, 0)) for p in stock})


def invariant(before: Stock, after: Stock, orders: int, units: int) -> dict:
    """stock + sold == initial for every product, nothing below zero, and sold == the units of
    the orders the clients were told were placed."""
    sold = {p: after.sold[p] - before.sold[p] for p in before.stock}
    per_product = all(after.stock[p] + sold[p] == before.stock[p] for p in before.stock)
    no_oversell = all(units >= 0 for units in after.stock.values())
    total = sum(sold.values())
    return {
        "stock_before": sum(before.stock.values()),
        "stock_after": sum(after.stock.values()),
        "units_sold": total,
        "orders_placed": orders,
        "units_ordered": units,
        "ok": per_product and no_oversell and total == units,
    }


@dataclass
class Tally:
    """What the clients saw, shared between their threads."""

    statuses: Counter = field(default_factory=Counter)
    order_ms: list[float] = field(default_factory=list)
    units: int = 0  # units in the orders placed (201 answers)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, step: str, status: int, body: bytes) -> None:
        units = sum(i["quantity"] for i in json.loads(body)["data"]["items"]) if status == 201 else 0
        with self.lock:
            self.statuses[f"{step} {status}"] += 1
            self.units += units
            if status >= 500 and len(self.failures) < 5:
                self.failures.append(f"{step} {status} {body[:300]!r}")

    def count(self, predicate) -> int:
        return sum(n for key, n in self.statuses.items() if predicate(key.split()[0], int(key.split()[1])))


class Client:
    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict) -> tuple[int, bytes]:
        self.conn.request("POST", path, body=json.dumps(body), headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


def _shop(client: Client, product_id: str, deadline: float, tally: Tally) -> None:
    while time.monotonic() < deadline:
        started = time.perf_counter()
        status, body = client.post("/api/v1/cart/add_item/", {"product_id": product_id, "quantity": 1})
        tally.record("add", status, body)
        if status != 200:
            continue
        status, body = client.post("/api/v1/orders/", ORDER)
        tally.record("checkout", status, body)
        if status == 201:
            with tally.lock:
                tally.order_ms.append((time.perf_counter() - started) * 1000)
    client.close()


def _parallel(target, clients: list[Client], args_of) -> float:
    threads = [threading.Thread(target=target, args=(c, *args_of(i))) for i, c in enumerate(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def checkout_run(base_url: str, tokens: list[str], product_ids: list[str], seconds: float) -> dict:
    """Every client buys one unit of its product (round robin over `product_ids`) per order,
    through its cart, for `seconds`. Call in an app context (the invariant reads the database)."""
    before = Stock.of(product_ids)
    tally = Tally()
    clients = [Client(base_url, t) for t in tokens]
    deadline = time.monotonic() + seconds
    elapsed = _parallel(_shop, clients, lambda i: (product_ids[i % len(product_ids)], deadline, tally))
    orders = tally.count(lambda step, status: step == "checkout" and status == 201)
    latencies = sorted(tally.order_ms) or [0.0]
    return {
        "clients": len(tokens),
        "seconds": round(elapsed, 2),
        "orders": orders,
        "orders_per_second": round(orders / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)], 1),
        "statuses": dict(tally.statuses),
        "server_errors": tally.count(lambda step, status: status >= 500),
        "unexpected": tally.count(lambda step, status: status not in (200, 201)),
        "failures": tally.failures,
        "invariant": invariant(before, Stock.of(product_ids), orders, tally.units),
    }


def _buy_now(client: Client, product_id: str, attempts: int, tally: Tally) -> None:
    for _ in range(attempts):
        status, body = client.post("/api/v1/orders/", {**ORDER, "items": [{"product_id": product_id, "quantity": 1}]})
        tally.record("buy", status, body)
    client.close()


def sellout_run(base_url: str, tokens: list[str], product_id: str, attempts_each: int) -> dict:
    """More buy-now attempts than units in stock: exactly `stock` orders, 409 for the rest,
    stock 0, no 5xx. Call in an app context."""
    before = Stock.of([product_id])
    tally = Tally()
    _parallel(_buy_now, [Client(base_url, t) for t in tokens], lambda i: (product_id, attempts_each, tally))
    orders = tally.count(lambda step, status: status == 201)
    after = Stock.of([product_id])
    check = invariant(before, after, orders, tally.units)
    units = before.stock[product_id]
    return {
        "attempts": len(tokens) * attempts_each,
        "stock": units,
        "statuses": dict(tally.statuses),
        "server_errors": tally.count(lambda step, status: status >= 500),
        "failures": tally.failures,
        "invariant": {**check, "ok": check["ok"] and orders == units and after.stock[product_id] == 0},
    }
