"""`/api/v1/categories/`: the category tree, its nodes and their products; staff edit it."""

from __future__ import annotations

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.products import categories
from kastoma.products.cache import catalogue_read, install_http_caching
from kastoma.products.category_schemas import CategoryDetailSchema, CategorySchema, CategoryTreeSchema
from kastoma.products.filters import Filters
from kastoma.products.listing import list_page
from kastoma.products.query_schemas import CategoryQuerySchema, InactiveQuerySchema, ProductQuerySchema
from kastoma.products.schemas import ProductListSchema
from kastoma.products.slugs import ref_parameter
from kastoma.roles import Role
from kastoma.schemas import MessageSchema

blp = Blueprint("categories", __name__, url_prefix="/api/v1/categories", description="The category tree.")
install_http_caching(blp)
REF = ref_parameter("category")

PUBLIC_READ = {"security": [{"bearerAuth": []}, {}]}


@blp.route("/")
class Categories(MethodView):
    @blp.arguments(CategoryQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, CategorySchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(400, 401, 403)
    def get(self, query):
        """Categories, filtered by parent or name; staff may include inactive ones"""
        return categories.list_categories(query)

    @blp.auth(Role.STAFF)
    @blp.arguments(CategorySchema)
    @blp.response(201, CategoryDetailSchema)
    @blp.doc_errors(400, 409)
    def post(self, data):
        """Create a category (staff)"""
        category = categories.create_category(data)
        db.session.commit()
        return _detail(category, include_inactive=True)


@blp.route("/tree/")
class CategoryTree(MethodView):
    @blp.arguments(InactiveQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, CategoryTreeSchema(many=True))
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(401, 403)
    def get(self, query):
        """The whole tree of active categories, nested, with product counts"""
        return categories.tree(query["include_inactive"])


@blp.route("/roots/")
class CategoryRoots(MethodView):
    @blp.arguments(InactiveQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, CategorySchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(401, 403)
    def get(self, query):
        """The top-level categories"""
        return categories.children_of(None, query["include_inactive"])


def _detail(category, include_inactive: bool):
    category.active_children = list(db.session.scalars(categories.children_of(category, include_inactive)))
    return category


@blp.route("/<ref:id_or_slug>/", parameters=REF)
class CategoryDetail(MethodView):
    @blp.arguments(InactiveQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, CategoryDetailSchema)
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(401, 403, 404)
    def get(self, query, id_or_slug: str):
        """A category with its active children and breadcrumbs"""
        include_inactive = query["include_inactive"]
        return _detail(categories.get_category(id_or_slug, include_inactive), include_inactive)

    @blp.auth(Role.STAFF)
    @blp.arguments(CategorySchema)
    @blp.response(200, CategoryDetailSchema)
    @blp.doc_errors(400, 404, 409)
    def put(self, data, id_or_slug: str):
        """Replace a category (staff); it cannot become its own ancestor"""
        category = categories.update_category(categories.get_category(id_or_slug, include_inactive=True), data)
        db.session.commit()
        return _detail(category, include_inactive=True)

    @blp.auth(Role.STAFF)
    @blp.arguments(CategorySchema(partial=True))
    @blp.response(200, CategoryDetailSchema)
    @blp.doc_errors(400, 404, 409)
    def patch(self, data, id_or_slug: str):
        """Change a category (staff), e.g. move it or reactivate it with is_active"""
        category = categories.update_category(categories.get_category(id_or_slug, include_inactive=True), data)
        db.session.commit()
        return _detail(category, include_inactive=True)

    @blp.auth(Role.STAFF)
    @blp.response(200, MessageSchema)
    @blp.doc_errors(404)
    def delete(self, id_or_slug: str):
        """Deactivate a category (staff; a soft delete, its products stay)"""
        categories.deactivate_category(categories.get_category(id_or_slug, include_inactive=True))
        db.session.commit()
        set_message("Category deactivated.")
        return {"detail": "Category deactivated."}


@blp.route("/<ref:id_or_slug>/children/", parameters=REF)
class CategoryChildren(MethodView):
    @blp.arguments(InactiveQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, CategorySchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(401, 403, 404)
    def get(self, query, id_or_slug: str):
        """The direct children of a category"""
        include_inactive = query["include_inactive"]
        return categories.children_of(categories.get_category(id_or_slug, include_inactive), include_inactive)


@blp.route("/<ref:id_or_slug>/products/", parameters=REF)
class CategoryProducts(MethodView):
    @blp.arguments(ProductQuerySchema, location="query")
    @catalogue_read
    @blp.response(200, ProductListSchema(many=True))
    @blp.paginate()
    @blp.doc(**PUBLIC_READ)
    @blp.doc_errors(400, 401, 403, 404)
    def get(self, query, id_or_slug: str, pagination_parameters):
        """Products of this category and all its descendants (takes the product filters)"""
        include_inactive = query["include_inactive"]
        category = categories.get_category(id_or_slug, include_inactive)
        ids = categories.subtree_filter_ids(str(category.id), "category", include_inactive=True)
        return list_page(
            query,
            pagination_parameters,
            scope=f"category:{category.id}",
            base=Filters(["within"], {"within": ids}),
            include_inactive=include_inactive,
        )
