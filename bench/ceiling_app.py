"""The reference ceiling: the cheapest Flask app that answers like the catalogue.

It returns 20 product cards kept in memory, in the API's envelope, serialised to JSON on every
request. Served by the same gunicorn configuration as Kastoma, it is the most req/s a Flask app
can answer on this machine at this moment; every Kastoma figure is reported as a ratio to it:

    gunicorn -c python:kastoma.gunicorn_conf bench.ceiling_app:app
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import Flask, jsonify

PAGE_SIZE = 20


def product_card(n: int) -> dict:
    """A card with the fields (and roughly the size) of the product list's cards."""
    price = f"{10 + n * 3}.99"
    return {
        "id": str(uuid.UUID(int=n + 1)),
        "name": f"Northwind Classic Widget {n}",
        "slug": f"northwind-classic-widget-{n:06d}",
        "sku": f"DEMO-{n:06d}",
        "price": price,
        "compare_at_price": None,
        "price_range": {"min": price, "max": price},
        "stock": 40 + n,
        "in_stock": True,
        "has_variants": False,
        "is_featured": n % 7 == 0,
        "is_active": True,
        "category": {"id": str(uuid.UUID(int=1000 + n % 4)), "name": "Gadgets", "slug": "gadgets"},
        "image_url": f"https://picsum.photos/seed/demo-{n:06d}-0/800/800",
        "rating": {"average": 4.5, "count": n % 5},
        "created_at": datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
    }


PRODUCTS = [product_card(n) for n in range(1, PAGE_SIZE + 1)]
PAGINATION = {
    "count": 100_000,
    "page": 1,
    "page_size": PAGE_SIZE,
    "pages": 100_000 // PAGE_SIZE,
    "next": "http://127.0.0.1/api/v1/products/?page=2",
    "previous": None,
    "next_cursor": None,
}

app = Flask(__name__)


@app.get("/api/v1/products/")
def products():
    return jsonify(success=True, message=None, data=PRODUCTS, errors=None, pagination=PAGINATION)
