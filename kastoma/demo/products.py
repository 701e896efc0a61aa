"""Demo products, generated from their number alone: the same number always gives the same
product, so `flask seed` can add exactly the missing ones."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from kastoma.demo.bulk_load import Rows
from kastoma.demo.data import ADJECTIVES, BRANDS, KINDS, RATING_WEIGHTS, REVIEW_TEXTS, SENTENCES
from kastoma.products.models import ReviewStatus, StockReason
from kastoma.products.slugs import slugify

DEMO_SKU_PREFIX = "DEMO-"
CENTS = Decimal("0.01")


def demo_sku(number: int) -> str:
    return f"{DEMO_SKU_PREFIX}{number:06d}"


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENTS, ROUND_HALF_UP)


def build_product(number: int, leaf: tuple[uuid.UUID, str], reviewers: list[uuid.UUID], now: datetime, rows: Rows):
    rng = random.Random(f"kastoma-demo-{number}")  # noqa: S311 - demo data, not a secret
    category_id, leaf_name = leaf
    kind = KINDS[leaf_name]
    brand, adjective, noun = rng.choice(BRANDS), rng.choice(ADJECTIVES), rng.choice(kind.nouns)
    name = f"{brand} {adjective} {noun}"
    sku = demo_sku(number)
    product_id = uuid.uuid4()
    price = _money(rng.randint(*kind.price) - 0.01 * rng.choice((1, 1, 5, 51)))
    compare_at = _money(float(price) * 1.25) if rng.random() < 0.2 else None
    created_at = now - timedelta(seconds=rng.randint(0, 365 * 86400))
    description = f"{name}. " + " ".join(
        s.format(brand=brand, adjective=adjective.lower()) for s in rng.sample(SENTENCES, 3)
    )

    prices, stock_total = [price], 0
    own_stock = 0 if rng.random() < 0.08 else rng.randint(1, 200)
    for size in kind.sizes:
        variant_price = price + 5 if size in ("XL", "43") else None
        stock = 0 if rng.random() < 0.1 else rng.randint(1, 40)
        variant_id = uuid.uuid4()
        rows.variants.append(
            {
                "id": variant_id,
                "product_id": product_id,
                "sku": f"{sku}-{size}",
                "name": f"Size {size}",
                "price": variant_price,
                "stock": stock,
                "attributes": {"size": size},
                "is_active": True,
                "sort_order": len(prices),
                "created_at": created_at,
                "updated_at": created_at,
            }
        )
        prices.append(variant_price or price)
        stock_total += stock
        _movement(rows, product_id, variant_id, stock, created_at)
    if kind.sizes:
        prices, own_stock = prices[1:], 0
    else:
        stock_total = own_stock
        _movement(rows, product_id, None, own_stock, created_at)

    for k in range(rng.randint(1, 3)):
        rows.images.append(
            {
                "id": uuid.uuid4(),
                "product_id": product_id,
                "image": f"https://picsum.photos/seed/{sku.lower()}-{k}/800/800",
                "alt_text": name,
                "sort_order": k,
                "is_primary": k == 0,
                "created_at": created_at,
                "updated_at": created_at,
            }
        )

    ratings = []
    for user_id in rng.sample(reviewers, rng.choice((0, 0, 1, 2, 3, 4))):
        rating = rng.choices(range(1, 6), weights=RATING_WEIGHTS)[0]
        title, text = REVIEW_TEXTS[rating]
        reviewed_at = created_at + timedelta(days=rng.randint(1, 30))
        rows.reviews.append(
            {
                "id": uuid.uuid4(),
                "product_id": product_id,
                "user_id": user_id,
                "rating": rating,
                "title": title,
                "text": text,
                "status": ReviewStatus.APPROVED,
                "is_verified_purchase": False,
                "created_at": reviewed_at,
                "updated_at": reviewed_at,
            }
        )
        ratings.append(rating)

    rows.products.append(
        {
            "id": product_id,
            "name": name,
            "slug": f"{slugify(name)}-{number:06d}",
            "sku": sku,
            "description": description,
            "price": price,
            "compare_at_price": compare_at,
            "category_id": category_id,
            "stock": own_stock,
            "low_stock_threshold": rng.choice((5, 10)),
            "attributes": {"brand": brand, **{k: rng.choice(v) for k, v in kind.attributes.items()}},
            "weight_kg": _money(rng.uniform(0.1, 5)),
            "length_cm": None,
            "width_cm": None,
            "height_cm": None,
            "is_active": True,
            "is_featured": rng.random() < 0.05,
            "price_min": min(prices),
            "price_max": max(prices),
            "stock_total": stock_total,
            "variant_count": len(kind.sizes),
            "rating_average": _money(sum(ratings) / len(ratings)) if ratings else Decimal("0"),
            "review_count": len(ratings),
            "order_count": 0,
            "created_at": created_at,
            "updated_at": created_at,
        }
    )


def _movement(rows: Rows, product_id: uuid.UUID, variant_id: uuid.UUID | None, stock: int, at: datetime) -> None:
    if stock:
        rows.movements.append(
            {
                "id": uuid.uuid4(),
                "product_id": product_id,
                "variant_id": variant_id,
                "delta": stock,
                "reason": StockReason.PURCHASE,
                "reference": "demo-seed",
                "note": "Initial demo stock",
                "actor_id": None,
                "stock_after": stock,
                "created_at": at,
            }
        )
