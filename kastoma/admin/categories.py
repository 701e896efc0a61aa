"""Categories: the tree shown as paths, create/edit through the catalogue service (no cycles)."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_admin.actions import action
from flask_wtf import FlaskForm

from kastoma.admin.base import StaffModelView, load_with, report_domain_error
from kastoma.admin.catalogue_forms import CategoryForm, category_choices, category_path, category_payload
from kastoma.errors import DomainError
from kastoma.extensions import db
from kastoma.products import categories
from kastoma.products.category_schemas import CategorySchema
from kastoma.products.models import Category


class CategoryView(StaffModelView):
    form = CategoryForm
    column_list = ("path", "slug", "sort_order", "is_active")
    column_labels = {"path": "Category"}
    column_searchable_list = ("name", "slug")
    column_filters = ("is_active",)
    column_default_sort = "name"
    column_formatters = {"path": lambda v, c, m, n: category_path(m)}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Category, **kwargs)

    def create_form(self, obj: Any = None) -> FlaskForm:
        form = super().create_form(obj)
        form.parent_id.choices = category_choices(blank="— top level —")
        return form

    def edit_form(self, obj: Any = None) -> FlaskForm:
        form = super().edit_form(obj)
        form.parent_id.choices = [
            c for c in category_choices(blank="— top level —") if obj is None or c.value != str(obj.id)
        ]
        if obj is not None and not form.is_submitted():
            form.parent_id.data = str(obj.parent_id) if obj.parent_id else ""
        return form

    def create_model(self, form: FlaskForm) -> Any:
        data = load_with(CategorySchema(), category_payload(form), "category")
        if data is None:
            return False
        try:
            category = categories.create_category(data)
            db.session.commit()
        except DomainError as exc:
            report_domain_error(exc)
            return False
        return category

    def update_model(self, form: FlaskForm, model: Category) -> bool:
        data = load_with(CategorySchema(), category_payload(form), "category")
        if data is None:
            return False
        try:
            categories.update_category(model, data)
            db.session.commit()
        except DomainError as exc:
            report_domain_error(exc)
            return False
        return True

    @action("deactivate", "Deactivate", "Hide the selected categories (and everything below them)?")
    def action_deactivate(self, ids: list[str]) -> None:
        selected = [self.get_one(i) for i in ids]
        for category in filter(None, selected):
            categories.deactivate_category(category)
        db.session.commit()
        flash(f"{len(selected)} categor{'y' if len(selected) == 1 else 'ies'} deactivated.", "success")
