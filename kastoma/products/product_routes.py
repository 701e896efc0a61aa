"""`/api/v1/products/`: listing, search, featured, popular, detail; staff create, edit, deactivate."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.products import services
from kastoma.products.cache import catalogue_read, install_http_caching
from kastoma.products.filters import Filters
from kastoma.products.listing import list_page, low_stock
from kastoma.products.query_schemas import InactiveQuerySchema, ProductQuerySchema, SearchQuerySchema
from kastoma.products.schemas import (
    LowStockSchema,
    ProductCreateSchema,
    ProductDetailSchema,
    ProductListSchema,
    ProductWriteSchema,
)
from kastoma.products.slugs import ref_parameter
from kastoma.roles import Role
from kastoma.schemas import MessageSchema

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="The product catalogue.")
install_http_caching(blp)
REF = ref_parameter("product")

PUBLIC_READ = {"security": [{"bearerAuth": []}, {}]}
LISTING_NOTE = (
    "Paginate with `page`/`page_size` (at most 100), or with `cursor` for deep scrolling: every page "
    "carries `pagination.next_cursor` (null on the last page)."
)


def _listing(query: dict, pagination: Any, scope: str, **options: Any) -> list[dict]:
    return list_page(query, pagination, scope=scope, include_inactive=query["include_inactive"], **options)


@blp.route("/")
class Products(MethodView):
    @blp.arguments(ProductQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, ProductListSchema(many=True), description=LISTING_NOTE)
    @blp.paginate()
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(400, 401, 403)
    def get(self, query, pagination_parameters):
        """Products, filtered and ordered; `attr.<name>=<value>` filters on attributes"""
        return _listing(query, pagination_parameters, "list")

    @blp.auth(Role.STAFF)
    @blp.arguments(ProductCreateSchema)
    @blp.response(201, ProductDetailSchema)
    @blp.doc_errors(400, 409)
    def post(self, data):
        """Create a product (staff)"""
        product = services.create_product(data, current_user())
        db.session.commit()
        return services.product_detail(str(product.id), include_inactive=True)


@blp.route("/search/")
class ProductSearch(MethodView):
    @blp.arguments(SearchQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, ProductListSchema(many=True), description=LISTING_NOTE)
    @blp.paginate()
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(400, 401, 403)
    def get(self, query, pagination_parameters):
        """Full-text search, most relevant first; takes the list's filters and ordering"""
        return _listing({**query, "search": query["q"]}, pagination_parameters, "search")


@blp.route("/featured/")
class FeaturedProducts(MethodView):
    @blp.arguments(ProductQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, ProductListSchema(many=True), description=LISTING_NOTE)
    @blp.paginate()
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(400, 401, 403)
    def get(self, query, pagination_parameters):
        """Featured products; takes the list's filters and ordering"""
        return _listing(query, pagination_parameters, "featured", base=Filters([("is_featured", True)]))


@blp.route("/popular/")
class PopularProducts(MethodView):
    @blp.arguments(ProductQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, ProductListSchema(many=True), description=LISTING_NOTE)
    @blp.paginate()
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(400, 401, 403)
    def get(self, query, pagination_parameters):
        """The most popular products: by order count, then approved rating"""
        return _listing({**query, "ordering": "-popularity"}, pagination_parameters, "popular")


@blp.route("/low_stock/")
class LowStock(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, LowStockSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        """Active products at or below their low-stock threshold, lowest first (staff)"""
        return low_stock()


@blp.route("/<ref:id_or_slug>/", parameters=REF)
class ProductDetail(MethodView):
    @blp.arguments(InactiveQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, ProductDetailSchema)
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(401, 403, 404)
    def get(self, query, id_or_slug: str):
        """A product with its variants, images, rating summary and related products"""
        return services.product_detail(id_or_slug, query["include_inactive"])

    @blp.auth(Role.STAFF)
    @blp.arguments(ProductWriteSchema)
    @blp.response(200, ProductDetailSchema)
    @blp.doc_errors(400, 404, 409)
    def put(self, data, id_or_slug: str):
        """Replace a product (staff); stock changes go through update_stock"""
        return _update(id_or_slug, data)

    @blp.auth(Role.STAFF)
    @blp.arguments(ProductWriteSchema(partial=True))
    @blp.response(200, ProductDetailSchema)
    @blp.doc_errors(400, 404, 409)
    def patch(self, data, id_or_slug: str):
        """Change some fields of a product (staff)"""
        return _update(id_or_slug, data)

    @blp.auth(Role.STAFF)
    @blp.response(200, MessageSchema)
    @blp.doc_errors(404)
    def delete(self, id_or_slug: str):
        """Deactivate a product (staff; a soft delete: restore it with POST .../restore/)"""
        services.deactivate_product(services.get_product(id_or_slug, include_inactive=True))
        db.session.commit()
        set_message("Product deactivated.")
        return {"detail": "Product deactivated."}


def _update(id_or_slug: str, data: dict):
    product = services.update_product(services.get_product(id_or_slug, include_inactive=True), data)
    db.session.commit()
    return services.product_detail(str(product.id), include_inactive=True)


@blp.route("/<ref:id_or_slug>/restore/", parameters=REF)
class ProductRestore(MethodView):
    @blp.auth(Role.STAFF)
    @blp.response(200, ProductDetailSchema)
    @blp.doc_errors(404)
    def post(self, id_or_slug: str):
        """Reactivate a deactivated product (staff)"""
        product = services.get_product(id_or_slug, include_inactive=True)
        services.restore_product(product)
        db.session.commit()
        set_message("Product restored.")
        return services.product_detail(str(product.id), include_inactive=True)
