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
) -> StockMovement:
    """Move the stock of a product (or of one of its variants) by `delta` and record it.

    Raises InsufficientStock (409) when the stock would go negative. Never commits.
    """
    movements, short = _apply([StockChange(product, delta, variant)], reason, reference, note, actor)
    if short:
        line = short[0]
        raise InsufficientStock(f"Not enough stock of {line['sku']}: {line['available']} available.", errors=line)
    return movements[0]


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
    """Apply several changes (e.g. an order's lines, at most one per product or variant) in a
    constant number of statements; each product's order_count moves once. If any line is short,
    raise InsufficientStock listing every short line; the caller rolls the transaction back."""
    movements, short = _apply(list(changes), reason, reference, note, actor)
    if short:
        raise InsufficientStock("Not enough stock for some items.", errors={"items": short})
    return movements


def _apply(
    changes: list[StockChange], reason: StockReason, reference: str, note: str, actor: User | None
) -> tuple[list[StockMovement], list[dict[str, Any]]]:
    """The changes as one guarded UPDATE per table (`stock + delta >= 0` for every row, so
    concurrent sales never oversell; the products' totals move in the same statement), one
    UPDATE of the totals of products whose variants alone changed, and one INSERT of the
    movements. Returns the movements, or the short lines (the caller rolls back)."""
    for change in changes:
        _check(change.product, change.variant, change.delta, reason)
    targets = {(change.variant or change.product).id: change for change in changes}
    if len(targets) != len(changes):
        raise ValueError("change_stock_many takes at most one change per product or variant")
    db.session.flush()
    products = {change.product.id: change.product for change in changes}
    totals = _product_totals(changes, reason)
    levels: dict[Any, int] = {}
    short = []
    for model in (Product, ProductVariant):
        group = {key: c for key, c in targets.items() if (c.variant is not None) == (model is ProductVariant)}
        if not group:
            continue
        values = {"stock": model.stock + case({key: c.delta for key, c in group.items()}, value=model.id)}
        if model is Product:
            values.update(totals)
        rows = _update_returning(model, [model.id.in_(group), values["stock"] >= 0], values)
        levels.update((row[0], row[1]) for row in rows)
        if model is Product:
            _keep_totals(products, rows)
        missing = [key for key in group if key not in levels]
        if missing:
            available = dict(db.session.execute(select(model.id, model.stock).where(model.id.in_(missing))).all())
            for key in sorted(missing, key=str):
                target = group[key].variant or group[key].product
                short.append({"sku": target.sku, "available": available.get(key), "requested": -group[key].delta})
    if short:
        return [], short
    for key, change in targets.items():
        set_committed_value(change.variant or change.product, "stock", levels[key])
    variants_only = [key for key in products if key not in levels]
    if variants_only:
        _keep_totals(products, _update_returning(Product, [Product.id.in_(variants_only)], totals))
    movements = [
        StockMovement(
            product_id=change.product.id,
            variant_id=change.variant.id if change.variant is not None else None,
            delta=change.delta,
            reason=reason,
            reference=reference,
            note=note,
            actor_id=actor.id if actor is not None else None,
            stock_after=levels[(change.variant or change.product).id],
        )
        for change in changes
    ]
    db.session.add_all(movements)
    mark_catalogue_changed(db.session)
    return movements, []


def _product_totals(changes: list[StockChange], reason: StockReason) -> dict[str, Any]:
    """SET values of the products' totals: stock_total follows product-level and active-variant
    stock; a sale or cancellation moves order_count once per product."""
    total_delta = {change.product.id: 0 for change in changes}
    for change in changes:
        if change.variant is None or change.variant.is_active:
            total_delta[change.product.id] += change.delta
    values: dict[str, Any] = {"stock_total": Product.stock_total + case(total_delta, value=Product.id, else_=0)}
    if reason is StockReason.SALE:
        values["order_count"] = Product.order_count + 1
    elif reason is StockReason.CANCELLATION:
        values["order_count"] = case((Product.order_count > 0, Product.order_count - 1), else_=0)
    return values


def _update_returning(model: type, where: list, values: dict[str, Any]) -> list[Any]:
    """UPDATE the rows matching `where`; returns their id and stock (and a product's totals)."""
    returned = (model.id, model.stock)
    if model is Product:
        returned += (Product.stock_total, Product.order_count)
    return db.session.execute(
        update(model).where(*where).values(**values).returning(*returned).execution_options(synchronize_session=False)
    ).all()


def _keep_totals(products: dict[Any, Product], rows: list[Any]) -> None:
    for row in rows:
        set_committed_value(products[row.id], "stock_total", row.stock_total)
        set_committed_value(products[row.id], "order_count", row.order_count)


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
