"""kastoma.products.inventory: every stock change is recorded, never below zero, even concurrently."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import scoped_session, sessionmaker

from kastoma.errors import InsufficientStock, ValidationFailed
from kastoma.extensions import db
from kastoma.products import inventory
from kastoma.products.inventory import StockChange
from kastoma.products.models import Category, Product, ProductVariant, StockMovement, StockReason


def movements(product) -> list[tuple]:
    rows = db.session.scalars(
        select(StockMovement).where(StockMovement.product_id == product.id).order_by(StockMovement.created_at)
    )
    return [(m.reason, m.delta, m.stock_after, m.reference) for m in rows]


def test_sales_and_cancellations_move_stock_and_popularity(make_product, customer):
    product = make_product("Kettle", stock=5)
    inventory.change_stock(product, -2, StockReason.SALE, reference="KAS-1", actor=customer)
    inventory.change_stock(product, -1, StockReason.SALE, reference="KAS-2")
    inventory.change_stock(product, 1, StockReason.CANCELLATION, reference="KAS-2")
    db.session.commit()
    db.session.refresh(product)
    assert (product.stock, product.stock_total, product.order_count) == (3, 3, 1)
    assert movements(product)[1:] == [
        (StockReason.SALE, -2, 3, "KAS-1"),
        (StockReason.SALE, -1, 2, "KAS-2"),
        (StockReason.CANCELLATION, 1, 3, "KAS-2"),
    ]
    with pytest.raises(InsufficientStock) as short:
        inventory.change_stock(product, -4, StockReason.SALE)
    assert short.value.errors == {"sku": product.sku, "available": 3, "requested": 4}
    with pytest.raises(ValidationFailed):
        inventory.change_stock(product, 2, StockReason.SALE)  # a sale cannot add stock


def test_restock_and_absolute_levels(make_product):
    product = make_product("Pan", stock=2)
    inventory.change_stock(product, 3, StockReason.RESTOCK, note="unpaid order expired")
    assert inventory.set_stock(product, 5, StockReason.ADJUSTMENT) is None
    counted = inventory.set_stock(product, 1, StockReason.ADJUSTMENT, note="count")
    assert counted.delta == -4 and counted.stock_after == 1 and product.stock == product.stock_total == 1


def test_many_changes_are_all_or_nothing_for_the_caller(make_product):
    shirt = make_product("Shirt", variants=[{"stock": 2}, {"stock": 1}])
    mug = make_product("Mug", stock=1)
    small, large = shirt.variants
    done = inventory.change_stock_many(
        [StockChange(shirt, -1, small), StockChange(mug, -1), StockChange(shirt, -1, large)],
        StockReason.SALE,
        reference="KAS-9",
    )
    assert len(done) == 3
    db.session.commit()
    db.session.refresh(shirt)
    assert shirt.stock_total == 1 and shirt.order_count == 1  # one order, however many lines
    with pytest.raises(InsufficientStock) as short:
        inventory.change_stock_many([StockChange(shirt, -5, small), StockChange(mug, -1)], StockReason.SALE)
    assert {line["sku"] for line in short.value.errors["items"]} == {small.sku, mug.sku}


def test_the_database_refuses_negative_stock(make_product):
    product = make_product("Pot", stock=1, variants=[])
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(update(Product).where(Product.id == product.id).values(stock=-1))
    variant_product = make_product("Tee", variants=[{"stock": 1}])
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            update(ProductVariant).where(ProductVariant.id == variant_product.variants[0].id).values(stock=-1)
        )


def test_concurrent_sales_never_oversell(app, postgres_only):
    """Six buyers race for three items through separate connections and transactions."""
    real = scoped_session(sessionmaker(bind=db.engine), scopefunc=threading.get_ident)
    fixture_session, db.session = db.session, real
    try:
        with app.app_context():
            category = Category(name="Race", slug="race-category")
            product = Product(
                name="Last Ones",
                slug="last-ones-race",
                sku="RACE-1",
                price=Decimal("1.00"),
                price_min=Decimal("1.00"),
                price_max=Decimal("1.00"),
                category=category,
                stock=3,
                stock_total=3,
            )
            real.add_all([category, product])
            real.commit()
            product_id, category_id = product.id, category.id
            real.remove()
        barrier = threading.Barrier(6)

        def buy() -> bool:
            with app.app_context():
                try:
                    mine = real.get(Product, product_id)
                    barrier.wait()
                    inventory.change_stock(mine, -1, StockReason.SALE)
                    real.commit()
                    return True
                except InsufficientStock:
                    real.rollback()
                    return False
                finally:
                    real.remove()

        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(lambda _: buy(), range(6)))
        with app.app_context():
            assert results.count(True) == 3
            assert real.scalar(select(Product.stock).where(Product.id == product_id)) == 0
            count = real.scalar(
                select(func.count()).select_from(StockMovement).where(StockMovement.product_id == product_id)
            )
            assert count == 3
            real.execute(Product.__table__.delete().where(Product.id == product_id))
            real.execute(Category.__table__.delete().where(Category.id == category_id))
            real.commit()
            real.remove()
    finally:
        db.session = fixture_session
