"""Create/edit forms for products and categories; the API's schemas validate what they send."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from kastoma.admin.base import form_payload
from kastoma.extensions import db
from kastoma.products import categories
from kastoma.products.models import Category


def category_choices(blank: str | None = None) -> list[SelectChoice]:
    """Every category by its path in the tree ("Kitchen › Kettles"), sorted by that path."""
    rows = db.session.scalars(select(Category)).all()
    labelled = sorted((category_path(c), str(c.id)) for c in rows)
    choices = [SelectChoice(value, label) for label, value in labelled]
    return ([SelectChoice("", blank)] if blank is not None else []) + choices


def category_path(category: Category) -> str:
    names = [node.name for node in categories.breadcrumbs(category)]
    return " › ".join(names) or category.name


class ProductForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired()])
    sku = StringField("SKU", validators=[InputRequired()])
    slug = StringField("Slug", description="Generated from the name when empty.")
    category_id = SelectField("Category", coerce=str)
    price = DecimalField("Price", places=2, validators=[InputRequired()])
    compare_at_price = DecimalField("Compare-at (was) price", places=2, validators=[Optional()])
    description = TextAreaField("Description", render_kw={"rows": 6})
    low_stock_threshold = IntegerField("Low-stock threshold", default=5, validators=[Optional()])
    is_active = BooleanField("Active", default=True)
    is_featured = BooleanField("Featured")


class ProductCreateForm(ProductForm):
    stock = IntegerField("Initial stock", default=0, validators=[Optional()])


def product_payload(form: FlaskForm) -> dict[str, Any]:
    data = form_payload(form)
    if not data.get("slug"):
        data.pop("slug", None)
    for optional in ("low_stock_threshold", "stock"):
        if data.get(optional) is None:
            data.pop(optional, None)
    return data


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired()])
    slug = StringField("Slug", description="Generated from the name when empty.")
    parent_id = SelectField("Parent", coerce=str)
    description = TextAreaField("Description", render_kw={"rows": 4})
    sort_order = IntegerField("Sort order", default=0, validators=[Optional()])
    image_url = StringField("Image URL")
    is_active = BooleanField("Active", default=True)


def category_payload(form: FlaskForm) -> dict[str, Any]:
    data = form_payload(form)
    if not data.get("slug"):
        data.pop("slug", None)
    data["parent_id"] = data.get("parent_id") or None
    if data.get("sort_order") is None:
        data["sort_order"] = 0
    data["image_url"] = data.get("image_url") or ""
    return data
