"""Products in the back office: searchable list, stock adjustment and (de)activation via services."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterLike
from flask_admin.helpers import get_form_data
from flask_wtf import FlaskForm
from sqlalchemy import select

from kastoma.admin.base import StaffModelView, load_with, report_domain_error
from kastoma.admin.catalogue_forms import ProductCreateForm, ProductForm, category_choices, product_payload
from kastoma.admin.product_parts import ProductPartsMixin
from kastoma.errors import DomainError, ValidationFailed
from kastoma.extensions import db
from kastoma.products import inventory, services
from kastoma.products.models import MANUAL_STOCK_REASONS, Category, Product, ProductVariant, StockReason
from kastoma.products.schemas import ProductCreateSchema, ProductWriteSchema

RECENT_MOVEMENTS = 15


def _money(view: Any, context: Any, model: Product, name: str) -> str:
    return f"{getattr(model, name):.2f}" if getattr(model, name) is not None else ""


def parse_adjustment(form: dict[str, str]) -> tuple[int, StockReason]:
    """The delta and reason of the stock form, or a ValidationFailed naming the bad field."""
    try:
        delta = int((form.get("delta") or "").strip())
    except ValueError:
        raise ValidationFailed(
            "Invalid stock change.", errors={"delta": ["Enter a whole number, e.g. 10 or -3."]}
        ) from None
    try:
        reason = StockReason(form.get("reason", ""))
    except ValueError:
        reason = None
    if reason not in MANUAL_STOCK_REASONS:
        choices = ", ".join(r.value for r in MANUAL_STOCK_REASONS)
        raise ValidationFailed("Invalid stock change.", errors={"reason": [f"Choose one of {choices}."]})
    return delta, reason


class ProductView(ProductPartsMixin, StaffModelView):
    can_export = True
    form = ProductForm
    details_template = "admin_kastoma/product_details.html"
    column_list = ("name", "sku", "category", "price", "stock_total", "is_active", "is_featured")
    column_sortable_list = (
        "name",
        "sku",
        ("category", "category.name"),
        "price",
        "stock_total",
        "is_active",
        "is_featured",
    )
    column_default_sort = "name"
    column_searchable_list = ("name", "sku")
    column_labels = {"stock_total": "Stock", "is_active": "Active", "is_featured": "Featured", "sku": "SKU"}
    column_formatters = {"price": _money, "category": lambda v, c, m, n: m.category.name}
    column_export_list = ("sku", "name", "slug", "price", "compare_at_price", "stock_total", "is_active", "is_featured")
    column_formatters_export = {"price": _money, "compare_at_price": _money}

    def __init__(self, **kwargs: Any) -> None:
        self.column_filters = (
            FilterLike(Category.name, "Category"),
            "is_active",
            "is_featured",
            "stock_total",
        )
        super().__init__(Product, **kwargs)

    def create_form(self, obj: Any = None) -> FlaskForm:
        form = ProductCreateForm(get_form_data(), obj=obj)
        form.category_id.choices = category_choices()
        return form

    def edit_form(self, obj: Any = None) -> FlaskForm:
        form = super().edit_form(obj)
        form.category_id.choices = category_choices()
        if obj is not None and not form.is_submitted():
            form.category_id.data = str(obj.category_id)
        return form

    def create_model(self, form: FlaskForm) -> Any:
        data = load_with(ProductCreateSchema(), product_payload(form), "product")
        if data is None:
            return False
        try:
            product = services.create_product(data, self.actor)
            db.session.commit()
        except DomainError as exc:
            report_domain_error(exc)
            return False
        return product

    def update_model(self, form: FlaskForm, model: Product) -> bool:
        # Stock is never edited here: it changes through "Adjust stock" (a recorded movement).
        data = load_with(ProductWriteSchema(partial=True), product_payload(form), "product")
        if data is None:
            return False
        try:
            services.update_product(model, data)
            db.session.commit()
        except DomainError as exc:
            report_domain_error(exc)
            return False
        return True

    def _load(self, product_id: str) -> Product:
        try:
            product = db.session.get(Product, uuid.UUID(product_id))
        except ValueError:
            product = None
        if product is None:
            abort(404)
        return product

    @expose("/details/")
    def details_view(self) -> Any:
        product = self._load(request.args.get("id", ""))
        movements = db.session.scalars(inventory.movements_of(product).limit(RECENT_MOVEMENTS)).all()
        return self.render(
            self.details_template,
            product=product,
            movements=movements,
            reasons=MANUAL_STOCK_REASONS,
            return_url=url_for(".index_view"),
        )

    @expose("/adjust-stock/<product_id>/", methods=["POST"])
    def adjust_stock(self, product_id: str) -> Any:
        product = self._load(product_id)
        try:
            delta, reason = parse_adjustment(request.form)
            variant = None
            if request.form.get("variant_id"):
                variant = db.session.get(ProductVariant, uuid.UUID(request.form["variant_id"]))
                if variant is None:
                    raise ValidationFailed("No such variant.", errors={"variant_id": ["No such variant."]})
            inventory.change_stock(
                product, delta, reason, variant=variant, note=(request.form.get("note") or "").strip(), actor=self.actor
            )
            db.session.commit()
        except DomainError as exc:
            report_domain_error(exc)
        else:
            target = variant or product
            flash(f"Stock of {target.sku} changed by {delta:+d} ({reason.value}): now {target.stock}.", "success")
        return redirect(url_for(".details_view", id=product_id))

    @expose("/toggle-active/<product_id>/", methods=["POST"])
    def toggle_active(self, product_id: str) -> Any:
        product = self._load(product_id)
        if product.is_active:
            services.deactivate_product(product)
        else:
            services.restore_product(product)
        db.session.commit()
        flash(f"{product.name} is now {'active' if product.is_active else 'inactive'}.", "success")
        return redirect(url_for(".details_view", id=product_id))

    @action("deactivate", "Deactivate", "Hide the selected products from the shop?")
    def action_deactivate(self, ids: list[str]) -> None:
        self._set_active(ids, active=False)

    @action("activate", "Activate")
    def action_activate(self, ids: list[str]) -> None:
        self._set_active(ids, active=True)

    def _set_active(self, ids: list[str], *, active: bool) -> None:
        products = db.session.scalars(select(Product).where(Product.id.in_([uuid.UUID(i) for i in ids]))).all()
        for product in products:
            (services.restore_product if active else services.deactivate_product)(product)
        db.session.commit()
        flash(f"{len(products)} product(s) {'activated' if active else 'deactivated'}.", "success")
