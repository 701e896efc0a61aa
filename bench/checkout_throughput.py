"""Checkout throughput: N parallel clients placing orders against a running server.

Each client is a separate customer posting buy-now checkouts (one unit of one product) on a
keep-alive connection. Afterwards the stock invariant is checked in the database:
units sold == stock taken == orders placed, and nothing oversold.

Usage (server and this script on the same DATABASE_URL):

    DATABASE_URL=postgresql://postgres@127.0.0.1/kastoma_bench \\
        python bench/checkout_throughput.py --base http://127.0.0.1:8011 --clients 16 --orders 2000
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from kastoma import create_app
from kastoma.extensions import db
from kastoma.orders.models import OrderItem
from kastoma.products.categories import create_category
from kastoma.products.models import Product
from kastoma.products.services import create_product
from kastoma.users.services import create_user
from kastoma.users.tokens import issue_token_pair

ADDRESS = {
    "first_name": "Bench",
    "last_name": "Mark",
    "line1": "1 Load St",
    "city": "Testville",
    "postal_code": "00000",
    "country": "US",
}


def prepare(clients: int, stock: int, products: int) -> tuple[list[str], list[str]]:
    """`products` products holding `stock` units each, and `clients` customers with tokens."""
    app = create_app("development", {"MAIL_BACKEND": "memory", "LOG_LEVEL": "WARNING"})
    run = uuid.uuid4().hex[:8]
    with app.app_context():
        category = create_category({"name": f"Bench {run}", "parent_id": None})
        product_ids = [
            str(
                create_product(
                    {
                        "name": f"Bench item {run}-{n}",
                        "sku": f"BENCH-{run}-{n}",
                        "price": Decimal("9.99"),
                        "category_id": category.id,
                        "stock": stock,
                    },
                    None,
                ).id
            )
            for n in range(products)
        ]
        tokens = []
        for i in range(clients):
            user = create_user(
                f"bench-{run}-{i}", f"bench-{run}-{i}@example.com", "Bench-Password-1", check_policy=False
            )
            tokens.append(issue_token_pair(user)["access"])
        db.session.commit()
        return product_ids, tokens


def client_loop(
    base: str,
    token: str,
    product_id: str,
    remaining: list[int],
    lock: threading.Lock,
    statuses: Counter,
    latencies: list[float],
) -> None:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    body = json.dumps(
        {
            "items": [{"product_id": product_id, "quantity": 1}],
            "shipping_address": ADDRESS,
            "payment_method": "cash_on_delivery",
        }
    )
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    while True:
        with lock:
            if remaining[0] <= 0:
                break
            remaining[0] -= 1
        started = time.perf_counter()
        conn.request("POST", "/api/v1/orders/", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        with lock:
            statuses[response.status] += 1
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8011")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument(
        "--spread", action="store_true", help="one product per client (default: every client buys the same hot product)"
    )
    args = parser.parse_args()
    stock = args.orders
    product_ids, tokens = prepare(args.clients, stock, args.clients if args.spread else 1)
    statuses: Counter = Counter()
    latencies: list[float] = []
    remaining, lock = [args.orders], threading.Lock()
    threads = [
        threading.Thread(
            target=client_loop,
            args=(args.base, t, product_ids[i % len(product_ids)], remaining, lock, statuses, latencies),
        )
        for i, t in enumerate(tokens)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started

    app = create_app("development", {"LOG_LEVEL": "WARNING"})
    ids = [uuid.UUID(p) for p in product_ids]
    with app.app_context():
        left = db.session.scalar(select(func.sum(Product.stock)).where(Product.id.in_(ids)))
        sold = db.session.scalar(
            select(func.coalesce(func.sum(OrderItem.quantity), 0)).where(OrderItem.product_id.in_(ids))
        )
    latencies.sort()
    print(
        json.dumps(
            {
                "clients": args.clients,
                "requests": sum(statuses.values()),
                "statuses": dict(statuses),
                "seconds": round(elapsed, 2),
                "orders_per_second": round(statuses[201] / elapsed, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 1),
                "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
                "products": len(ids),
                "stock_start": stock * len(ids),
                "stock_left": left,
                "units_sold": sold,
                "invariant_ok": sold == statuses[201] and left == stock * len(ids) - sold and left >= 0,
                "server_errors": sum(n for s, n in statuses.items() if s >= 500),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
