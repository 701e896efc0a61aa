"""`/api/v1/products/<id>/variants/` and `/images/`: a product's variants and pictures."""

from __future__ import annotations

from uuid import UUID

from flask import request
from flask.views import MethodView
from sqlalchemy.orm import selectinload

from kastoma.api import Blueprint
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.parsing import parser
from kastoma.products import images, services
from kastoma.products.cache import catalogue_read, install_http_caching
from kastoma.products.models import Product
from kastoma.products.query_schemas import InactiveQuerySchema
from kastoma.products.schemas import ImageFormSchema, ImageSchema, ImageUploadSchema, VariantCreateSchema, VariantSchema
from kastoma.products.slugs import ref_parameter
from kastoma.roles import Role
from kastoma.schemas import MessageSchema

blp = Blueprint("variants", __name__, url_prefix="/api/v1/products", description="Product variants and images.")
install_http_caching(blp)
REF = ref_parameter("product")

PUBLIC_READ = {"security": [{"bearerAuth": []}, {}]}


def _product(id_or_slug: str):
    """Staff writes reach inactive products too."""
    return services.get_product(id_or_slug, include_inactive=True)


@blp.route("/<ref:id_or_slug>/variants/", parameters=REF)
class Variants(MethodView):
    @blp.arguments(InactiveQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, VariantSchema(many=True))
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(401, 403, 404)
    def get(self, query, id_or_slug: str):
        """A product's variants"""
        include_inactive = query["include_inactive"]
        product = services.get_product(id_or_slug, include_inactive, options=(selectinload(Product.variants),))
        return services.variants_of(product, include_inactive)

    @blp.auth(Role.STAFF)
    @blp.arguments(VariantCreateSchema)
    @blp.response(201, VariantSchema)
    @blp.doc_errors(400, 404, 409)
    def post(self, data, id_or_slug: str):
        """Add a variant (staff): its own SKU, optional price override, stock and attributes"""
        variant = services.create_variant(_product(id_or_slug), data, current_user())
        db.session.commit()
        return variant


@blp.route("/<ref:id_or_slug>/variants/<uuid:variant_id>/", parameters=REF)
class VariantDetail(MethodView):
    @blp.arguments(InactiveQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, VariantSchema)
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(401, 403, 404)
    def get(self, query, id_or_slug: str, variant_id: UUID):
        """One variant"""
        include_inactive = query["include_inactive"]
        return services.get_variant(services.get_product(id_or_slug, include_inactive), variant_id, include_inactive)

    @blp.auth(Role.STAFF)
    @blp.arguments(VariantSchema)
    @blp.response(200, VariantSchema)
    @blp.doc_errors(400, 404, 409)
    def put(self, data, id_or_slug: str, variant_id: UUID):
        """Replace a variant (staff; stock changes go through update_stock)"""
        return self._update(data, id_or_slug, variant_id)

    @blp.auth(Role.STAFF)
    @blp.arguments(VariantSchema(partial=True))
    @blp.response(200, VariantSchema)
    @blp.doc_errors(400, 404, 409)
    def patch(self, data, id_or_slug: str, variant_id: UUID):
        """Change a variant (staff), e.g. its price override or reactivate it"""
        return self._update(data, id_or_slug, variant_id)

    @staticmethod
    def _update(data, id_or_slug: str, variant_id: UUID):
        product = _product(id_or_slug)
        variant = services.update_variant(services.get_variant(product, variant_id, include_inactive=True), data)
        db.session.commit()
        return variant

    @blp.auth(Role.STAFF)
    @blp.response(200, MessageSchema)
    @blp.doc_errors(404)
    def delete(self, id_or_slug: str, variant_id: UUID):
        """Deactivate a variant (staff; a soft delete)"""
        product = _product(id_or_slug)
        services.deactivate_variant(services.get_variant(product, variant_id, include_inactive=True))
        db.session.commit()
        set_message("Variant deactivated.")
        return {"detail": "Variant deactivated."}


@blp.route("/<ref:id_or_slug>/images/", parameters=REF)
class Images(MethodView):
    @blp.arguments(InactiveQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, ImageSchema(many=True))
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(401, 403, 404)
    def get(self, query, id_or_slug: str):
        """A product's images, the primary one first"""
        product = services.get_product(id_or_slug, query["include_inactive"])
        return db.session.scalars(images.images_of(product)).all()

    @blp.auth(Role.STAFF)
    @blp.arguments(ImageSchema)
    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": ImageUploadSchema}}})
    @blp.response(201, ImageSchema)
    @blp.doc_errors(400, 404, 409, 413)
    def post(self, data, id_or_slug: str):
        """Add an image (staff): upload a file as multipart/form-data, or send JSON with a url"""
        product = _product(id_or_slug)
        upload = None
        if request.mimetype == "multipart/form-data":
            data = parser.parse(ImageFormSchema, request, location="form")
            upload = request.files.get("file")
        image = images.add_image(product, data, upload)
        db.session.commit()
        return image


@blp.route("/<ref:id_or_slug>/images/<uuid:image_id>/", parameters=REF)
class ImageDetail(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(ImageSchema(partial=True))
    @blp.response(200, ImageSchema)
    @blp.doc_errors(400, 404)
    def patch(self, data, id_or_slug: str, image_id: UUID):
        """Change an image's alt text, position, URL, or make it the primary one (staff)"""
        image, replaced = images.update_image(images.get_image(_product(id_or_slug), image_id), data)
        db.session.commit()
        images.remove_stored_file(replaced)
        return image

    @blp.auth(Role.STAFF)
    @blp.response(200, MessageSchema)
    @blp.doc_errors(404)
    def delete(self, id_or_slug: str, image_id: UUID):
        """Delete an image (staff); the next one becomes primary"""
        path = images.delete_image(images.get_image(_product(id_or_slug), image_id))
        db.session.commit()
        images.remove_stored_file(path)
        set_message("Image deleted.")
        return {"detail": "Image deleted."}
