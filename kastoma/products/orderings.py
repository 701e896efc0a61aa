"""How product listings can be ordered: the names clients send, and the columns behind them."""

from __future__ import annotations

# name -> the product columns it sorts by (the id breaks ties, kastoma/products/listing.py)
ORDERINGS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "price": ("price_min",),
    "created_at": ("created_at",),
    "rating": ("rating_average", "review_count"),
    "popularity": ("order_count", "rating_average"),
}
RELEVANCE = "relevance"  # a search's rank; needs a search term
ORDERING_CHOICES = [o for name in (*ORDERINGS, RELEVANCE) for o in (name, f"-{name}")]
