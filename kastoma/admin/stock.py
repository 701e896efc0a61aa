"""The stock audit trail, read-only: every movement with its reason, actor and resulting level."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike
from markupsafe import Markup
from sqlalchemy import or_, select

from kastoma.admin.base import StaffModelView, date_filters
from kastoma.products.models import Product, ProductVariant, StockMovement, StockReason


class ProductSkuFilter(FilterLike):
    """Movements of the products (or variants) whose SKU contains the text."""

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        pattern = f"%{value.strip()}%"
        products = select(Product.id).where(Product.sku.ilike(pattern))
        variants = select(ProductVariant.id).where(ProductVariant.sku.ilike(pattern))
        return query.filter(or_(StockMovement.product_id.in_(products), StockMovement.variant_id.in_(variants)))


class StockMovementView(StaffModelView):
    can_create = False
    can_edit = False
    can_delete = False
    can_export = True
    column_list = (
        "created_at",
        "product_id",
        "variant",
        "delta",
        "reason",
        "stock_after",
        "actor",
        "reference",
        "note",
    )
    column_labels = {"product_id": "Product", "stock_after": "Stock after", "created_at": "Date"}
    column_default_sort = ("created_at", True)
    column_sortable_list = ("created_at", "delta", "reason")
    column_searchable_list = ("reference", "note")
    column_formatters = {
        "reason": lambda v, c, m, n: m.reason.value,
        "variant": lambda v, c, m, n: m.variant.sku if m.variant else "",
        "actor": lambda v, c, m, n: m.actor.email if m.actor else "system",
    }
    column_formatters_export = dict(column_formatters)
    column_formatters["product_id"] = lambda v, c, m, n: Markup('<a href="{}">open product</a>').format(
        url_for("product.details_view", id=m.product_id)
    )

    def __init__(self, **kwargs: Any) -> None:
        self.column_filters = (
            ProductSkuFilter(StockMovement.product_id, "Product SKU"),
            FilterEqual(StockMovement.reason, "Reason", options=[(r.value, r.value) for r in StockReason]),
            *date_filters(StockMovement.created_at, "Date"),
        )
        super().__init__(StockMovement, **kwargs)
