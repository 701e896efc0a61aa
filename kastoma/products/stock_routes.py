"""`/api/v1/products/<id>/update_stock/` and `/stock_movements/`: staff stock keeping."""

from __future__ import annotations

from flask.views import MethodView

from kastoma.api import Blueprint, SelectPage
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.extensions import db
from kastoma.products import inventory, services
from kastoma.products.cache import install_http_caching
from kastoma.products.query_schemas import StockMovementQuerySchema
from kastoma.products.schemas import StockLevelSchema, StockMovementSchema, StockUpdateSchema
from kastoma.products.slugs import ref_parameter
from kastoma.roles import Role

blp = Blueprint("stock", __name__, url_prefix="/api/v1/products", description="Stock levels and their history.")
install_http_caching(blp)
REF = ref_parameter("product")


@blp.route("/<ref:id_or_slug>/update_stock/", parameters=REF)
class UpdateStock(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(StockUpdateSchema)
    @blp.response(200, StockLevelSchema)
    @blp.doc_errors(400, 404, 409)
    def post(self, data, id_or_slug: str):
        """Set (`stock`) or move (`delta`) the stock of a product or variant, with a reason (staff)"""
        result = inventory.staff_stock_update(
            services.get_product(id_or_slug, include_inactive=True), data, current_user()
        )
        db.session.commit()
        set_message("Stock updated." if result["movement"] is not None else "Stock unchanged.")
        return result


@blp.route("/<ref:id_or_slug>/stock_movements/", parameters=REF)
class StockMovements(MethodView):
    @blp.auth(Role.STAFF)
    @blp.arguments(StockMovementQuerySchema, location="query")
    @blp.response(200, StockMovementSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc_errors(400, 404)
    def get(self, query, id_or_slug: str):
        """A product's stock movements, newest first (staff)"""
        product = services.get_product(id_or_slug, include_inactive=True)
        return inventory.movements_of(product, query.get("variant_id"), query.get("reason"))
