"""Variants and images of a product, managed from its detail page through the catalogue services."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose

from kastoma.admin.base import form_integer, load_with, report_domain_error
from kastoma.errors import DomainError, ValidationFailed
from kastoma.extensions import db
from kastoma.products import images, services
from kastoma.products.models import ProductImage, ProductVariant
from kastoma.products.schemas import ImageFormSchema, ImageSchema, VariantCreateSchema


class ProductPartsMixin:
    """Mixed into ProductView: adds POST endpoints used by the product detail page."""

    def _back(self, product_id: Any) -> Any:
        return redirect(url_for(".details_view", id=product_id))

    def _variant(self, variant_id: str) -> ProductVariant:
        try:
            variant = db.session.get(ProductVariant, uuid.UUID(variant_id))
        except ValueError:
            variant = None
        if variant is None:
            abort(404)
        return variant

    @expose("/add-variant/<product_id>/", methods=["POST"])
    def add_variant(self, product_id: str) -> Any:
        product = self._load(product_id)
        payload = {
            "sku": request.form.get("sku", ""),
            "name": request.form.get("name", ""),
            "stock": form_integer(request.form.get("stock") or "0"),
        }
        if request.form.get("price"):
            payload["price"] = request.form["price"]
        data = load_with(VariantCreateSchema(), payload, "variant")
        if data is not None:
            try:
                variant = services.create_variant(product, data, self.actor)
                db.session.commit()
            except DomainError as exc:
                report_domain_error(exc)
            else:
                flash(f"Variant {variant.sku} added.", "success")
        return self._back(product_id)

    @expose("/toggle-variant/<variant_id>/", methods=["POST"])
    def toggle_variant(self, variant_id: str) -> Any:
        variant = self._variant(variant_id)
        if variant.is_active:
            services.deactivate_variant(variant)
        else:
            services.update_variant(variant, {"is_active": True})
        db.session.commit()
        flash(f"Variant {variant.sku} is now {'active' if variant.is_active else 'inactive'}.", "success")
        return self._back(variant.product_id)

    @expose("/add-image/<product_id>/", methods=["POST"])
    def add_image(self, product_id: str) -> Any:
        product = self._load(product_id)
        upload = request.files.get("file")
        if upload is not None and not upload.filename:
            upload = None
        fields = {"alt_text": request.form.get("alt_text", ""), "is_primary": bool(request.form.get("is_primary"))}
        if upload is None:
            data = load_with(ImageSchema(), {**fields, "url": request.form.get("url") or None}, "image")
        else:
            data = load_with(ImageFormSchema(), fields, "image")
        if data is not None:
            try:
                if upload is None and not data.get("url"):
                    raise ValidationFailed("Upload a file or give a URL.", errors={"file": ["Choose a file."]})
                images.add_image(product, data, upload)
                db.session.commit()
            except DomainError as exc:
                report_domain_error(exc)
            else:
                flash("Image added.", "success")
        return self._back(product_id)

    @expose("/delete-image/<image_id>/", methods=["POST"])
    def delete_image(self, image_id: str) -> Any:
        try:
            image = db.session.get(ProductImage, uuid.UUID(image_id))
        except ValueError:
            image = None
        if image is None:
            abort(404)
        product_id = image.product_id
        path = images.delete_image(image)
        db.session.commit()
        images.remove_stored_file(path)
        flash("Image deleted.", "success")
        return self._back(product_id)
