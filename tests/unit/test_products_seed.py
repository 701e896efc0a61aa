"""`flask seed` builds an idempotent demo catalogue; `--clear` removes only demo rows."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from kastoma.extensions import db
from kastoma.products.models import (
    Category,
    Product,
    ProductImage,
    ProductVariant,
    Review,
    ReviewStatus,
    StockMovement,
)

TABLES = (Category, Product, ProductVariant, ProductImage, Review, StockMovement)


def counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in TABLES}


def test_seed_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "--products", "48"])
    assert first.exit_code == 0, first.output
    assert "Catalogue: 30 new categories, 48 new demo products (48 in all)." in first.output
    snapshot = counts()
    assert snapshot["Category"] == 30 and snapshot["Product"] == 48
    assert snapshot["ProductVariant"] > 0 and snapshot["ProductImage"] >= 48 and snapshot["Review"] > 0
    roots = db.session.scalars(select(Category.name).where(Category.parent_id.is_(None)).order_by(Category.sort_order))
    assert list(roots) == ["Electronics", "Clothing", "Home & Garden", "Sports & Outdoors", "Books", "Health & Beauty"]
    fingerprint = sorted(db.session.execute(select(Product.sku, Product.name, Product.price, Product.stock_total)))

    second = runner.invoke(args=["seed", "--products", "48"])
    assert second.exit_code == 0, second.output
    assert "0 new categories, 0 new demo products (48 in all)" in second.output
    assert counts() == snapshot
    assert sorted(db.session.execute(select(Product.sku, Product.name, Product.price, Product.stock_total))) == (
        fingerprint
    )
    more = runner.invoke(args=["seed", "--products", "60"])
    assert "12 new demo products (60 in all)" in more.output


def test_seeded_products_are_consistent(app):
    assert app.test_cli_runner().invoke(args=["seed", "--products", "48"]).exit_code == 0
    for product in db.session.scalars(select(Product)):
        variants = [v for v in product.variants if v.is_active]
        stock = sum(v.stock for v in variants) if variants else product.stock
        prices = [v.effective_price for v in variants] or [product.price]
        assert (product.stock_total, product.variant_count) == (stock, len(variants)), product.sku
        assert (product.price_min, product.price_max) == (min(prices), max(prices)), product.sku
        ratings = db.session.scalars(
            select(Review.rating).where(Review.product_id == product.id, Review.status == ReviewStatus.APPROVED)
        ).all()
        assert product.review_count == len(ratings)
        if ratings:
            assert abs(product.rating_average - Decimal(sum(ratings)) / len(ratings)) < Decimal("0.01")
        recorded = db.session.scalar(
            select(func.coalesce(func.sum(StockMovement.delta), 0)).where(StockMovement.product_id == product.id)
        )
        assert recorded == product.stock_total, "every unit of stock has a movement"
        primaries = [i for i in product.images if i.is_primary]
        assert len(primaries) == 1


def test_seeded_catalogue_is_browsable(app, client):
    assert app.test_cli_runner().invoke(args=["seed", "--products", "48"]).exit_code == 0
    electronics = client.get("/api/v1/products/?category_tree=electronics&ordering=-price")
    assert electronics.status_code == 200 and electronics.get_json()["pagination"]["count"] == 8
    prices = [Decimal(p["price_range"]["min"]) for p in electronics.get_json()["data"]]
    assert prices == sorted(prices, reverse=True)
    tree = client.get("/api/v1/categories/tree/").get_json()["data"]
    assert [len(root["children"]) for root in tree] == [4] * 6 and sum(r["product_count"] for r in tree) == 48
    some = electronics.get_json()["data"][0]
    word = some["name"].split()[-1]
    assert some["name"] in [
        p["name"] for p in client.get(f"/api/v1/products/search/?q={word}&page_size=100").get_json()["data"]
    ]


def test_clear_removes_only_demo_rows(app, make_product):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "--products", "24"]).exit_code == 0
    audio = db.session.scalar(select(Category).where(Category.slug == "audio"))
    mine = make_product("My Own Speaker", category=audio)
    own_category_product = make_product("Elsewhere")

    result = runner.invoke(args=["seed", "--clear", "--products", "0"])
    assert result.exit_code == 0, result.output
    assert "Removed 24 demo products." in result.output
    skus = set(db.session.scalars(select(Product.sku)))
    assert skus == {mine.sku, own_category_product.sku}
    # The demo category holding a staff product stays, with its parent; empty demo ones went
    # and were created again (the tree is part of the demo).
    assert db.session.scalar(select(func.count()).select_from(Category).where(Category.slug == "audio")) == 1
    assert counts()["Review"] == 0 and counts()["ProductVariant"] == 0
    assert runner.invoke(args=["seed", "--products", "24"]).exit_code == 0
    assert counts()["Product"] == 26
