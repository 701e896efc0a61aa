"""Stock: the only code that changes product or variant stock, and the StockMovement audit trail.

Every change is one conditional UPDATE (`stock + delta >= 0`), so concurrent sales can never
oversell, with the CHECK constraint as the last line. The orders milestone calls
`change_stock` / `change_stock_many` with reason SALE (and CANCELLATION / RESTOCK to give stock
back); staff go through `set_stock` / `change_stock` with the manual reasons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm.attributes import set_committed_value

from kastoma.errors import InsufficientStock, ValidationFailed
from kastoma.extensions import db
from kastoma.products.cache import mark_catalogue_changed
from kastoma.products.models import Product, ProductVariant, StockMovement, StockReason
from kastoma.users.models import User

# Which way each reason may move stock (None: either way).
REASON_SIGN: dict[StockReason, int | None] = {
    StockReason.PURCHASE: 1,
    StockReason.RETURN: 1,
    StockReason.CANCELLATION: 1,
    StockReason.RESTOCK: 1,
    StockReason.DAMAGE: -1,
    StockReason.SALE: -1,
    StockReason.ADJUSTMENT: None,
}


@dataclass(frozen=True)
class StockChange:
    product: Product
    delta: int
    variant: ProductVariant | None = None


def _check(product: Product, variant: ProductVariant | None, delta: int, reason: StockReason) -> None:
    if delta == 0:
        raise ValidationFailed(errors={"delta": ["Must not be 0."]})
    sign = REASON_SIGN[reason]
    if sign is not None and (delta > 0) != (sign > 0):
        direction = "increase" if sign > 0 else "decrease"
        raise ValidationFailed(errors={"reason": [f"A {reason.value} can only {direction} stock."]})
    if variant is None and product.variant_count > 0:
        raise ValidationFailed(errors={"variant_id": ["This product has variants: choose the variant to change."]})
    if variant is not None and variant.product_id != product.id:
        raise ValidationFailed(errors={"variant_id": ["This variant belongs to another product."]})


def change_stock(
    product: Product,
    delta: int,
    reason: StockReason,
    *,
    variant: ProductVariant | None = None,
    reference: str = "",
    note: str = "",
    actor: User | None = None,
    count_order: bool = True,
) -> StockMovement:
    """Move the stock of a product (or of one of its variants) by `delta` and record it.

    Raises InsufficientStock (409) when the stock would go negative. Never commits.
    """
    _check(product, variant, delta, reason)
    db.session.flush()
    model, target = (ProductVariant, variant) if variant is not None else (Product, product)
    new_level = db.session.execute(
        update(model)
        .where(model.id == target.id, model.stock + delta >= 0)
        .values(stock=model.stock + delta)
        .returning(model.stock)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if new_level is None:
        available = db.session.scalar(select(model.stock).where(model.id == target.id))
        raise InsufficientStock(
            f"Not enough stock of {target.sku}: {available} available.",
            errors={"sku": target.sku, "available": available, "requested": -delta},
        )
    set_committed_value(target, "stock", new_level)

    totals = {}
    if variant is None or variant.is_active:
        totals["stock_total"] = Product.stock_total + delta
    if count_order and reason is StockReason.SALE:
        totals["order_count"] = Product.order_count + 1
    elif count_order and reason is StockReason.CANCELLATION:
        totals["order_count"] = case((Product.order_count > 0, Product.order_count - 1), else_=0)
    if totals:
        row = db.session.execute(
            update(Product)
            .where(Product.id == product.id)
            .values(**totals)
            .returning(Product.stock_total, Product.order_count)
            .execution_options(synchronize_session=False)
        ).one()
        set_committed_value(product, "stock_total", row.stock_total)
        set_committed_value(product, "order_count", row.order_count)

    movement = StockMovement(
        product_id=product.id,
        variant_id=variant.id if variant is not None else None,
        delta=delta,
        reason=reason,
        reference=reference,
        note=note,
        actor_id=actor.id if actor is not None else None,
        stock_after=new_level,
    )
    db.session.add(movement)
    mark_catalogue_changed(db.session)
    return movement


def set_stock(
    product: Product,
    stock: int,
    reason: StockReason,
    *,
    variant: ProductVariant | None = None,
    reference: str = "",
    note: str = "",
    actor: User | None = None,
) -> StockMovement | None:
    """Set an absolute level (a stock count); records the difference. None when unchanged."""
    if stock < 0:
        raise ValidationFailed(errors={"stock": ["Must be at least 0."]})
    _check(product, variant, 1, StockReason.ADJUSTMENT)
    model, target = (ProductVariant, variant) if variant is not None else (Product, product)
    # Lock the row (PostgreSQL) so no sale slips in between reading and writing the level.
    current = db.session.scalar(select(model.stock).where(model.id == target.id).with_for_update())
    if current == stock:
        return None
    return change_stock(product, stock - current, reason, variant=variant, reference=reference, note=note, actor=actor)


def change_stock_many(
    changes: Iterable[StockChange],
    reason: StockReason,
    *,
    reference: str = "",
    note: str = "",
    actor: User | None = None,
) -> list[StockMovement]:
    """Apply several changes (e.g. an order's lines) in a fixed order, so that concurrent
    callers never deadlock; each product's order_count moves once. If any line is short, raise
    InsufficientStock listing every short line; the caller rolls the transaction back."""
    ordered = sorted(changes, key=lambda c: (str(c.product.id), str(c.variant.id) if c.variant else ""))
    movements, short, counted = [], [], set()
    for change in ordered:
        first_of_product = change.product.id not in counted
        counted.add(change.product.id)
        try:
            movements.append(
                change_stock(
                    change.product,
                    change.delta,
                    reason,
                    variant=change.variant,
                    reference=reference,
                    note=note,
                    actor=actor,
                    count_order=first_of_product,
                )
            )
        except InsufficientStock as exc:
            short.append(exc.errors)
    if short:
        raise InsufficientStock("Not enough stock for some items.", errors={"items": short})
    return movements


def staff_stock_update(product: Product, data: dict[str, Any], actor: User) -> dict[str, Any]:
    """`update_stock`: an absolute `stock` or a signed `delta`, for the product or a variant."""
    variant = None
    if data.get("variant_id") is not None:
        variant = db.session.get(ProductVariant, data["variant_id"])
        if variant is None or variant.product_id != product.id:
            raise ValidationFailed(errors={"variant_id": ["No such variant of this product."]})
    options = {"variant": variant, "reference": data["reference"], "note": data["note"], "actor": actor}
    if "stock" in data:
        movement = set_stock(product, data["stock"], data["reason"], **options)
    else:
        movement = change_stock(product, data["delta"], data["reason"], **options)
    target = variant if variant is not None else product
    return {
        "product_id": product.id,
        "variant_id": variant.id if variant is not None else None,
        "stock": target.stock,
        "total_stock": product.stock_total,
        "movement": movement,
    }


def movements_of(product: Product, variant_id: object = None, reason: StockReason | None = None):
    stmt = select(StockMovement).where(StockMovement.product_id == product.id)
    if variant_id is not None:
        stmt = stmt.where(StockMovement.variant_id == variant_id)
    if reason is not None:
        stmt = stmt.where(StockMovement.reason == reason)
    return stmt.order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
