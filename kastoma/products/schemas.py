"""Request and response schemas of products, variants, images and stock."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from kastoma.fields import Money, http_url
from kastoma.media import media_url
from kastoma.products.cards import card_of, rating
from kastoma.products.fields import Measure, attributes_field, sku_field, slug_field, text
from kastoma.products.models import MANUAL_STOCK_REASONS, Product, StockReason
from kastoma.schemas import StrictSchema

MAX_STOCK = 1_000_000_000


STOCK_IS_RECORDED = {"stock": "Change stock with POST .../update_stock/, so that the change is recorded."}


class CategoryRefSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    slug = ma.fields.String()


class PriceRangeSchema(ma.Schema):
    min = Money()
    max = Money()


class RatingSchema(ma.Schema):
    average = ma.fields.Float()
    count = ma.fields.Integer()


class RatingDistributionSchema(RatingSchema):
    distribution = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


# --- Images -------------------------------------------------------------------------------------


class ImageSchema(StrictSchema):
    id = ma.fields.UUID(dump_only=True)
    url = http_url(
        load_only=True,
        metadata={"description": "An external image URL (or upload a file as multipart/form-data)."},
    )
    image_url = ma.fields.Function(lambda image: media_url(image.image), dump_only=True)
    alt_text = text(200)
    sort_order = ma.fields.Integer(validate=validate.Range(min=0, max=10_000))
    is_primary = ma.fields.Boolean()
    created_at = ma.fields.DateTime(dump_only=True)


class ImageFormSchema(ma.Schema):
    """The form fields of a multipart upload (the file itself is `file`)."""

    alt_text = text(200)
    sort_order = ma.fields.Integer(validate=validate.Range(min=0, max=10_000))
    is_primary = ma.fields.Boolean()


class ImageUploadSchema(ImageFormSchema):
    """multipart/form-data: a PNG, JPEG or WebP file (at most 5 MB) and optional fields."""

    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


# --- Variants -----------------------------------------------------------------------------------


class VariantSchema(StrictSchema):
    read_only = STOCK_IS_RECORDED

    id = ma.fields.UUID(dump_only=True)
    sku = sku_field(required=True)
    name = text(200, min_length=1, required=True)
    price = Money(allow_none=True, metadata={"description": "Overrides the product's price; null: inherit it."})
    effective_price = Money(dump_only=True)
    stock = ma.fields.Integer(dump_only=True)
    in_stock = ma.fields.Boolean(dump_only=True)
    attributes = attributes_field()
    is_active = ma.fields.Boolean()
    sort_order = ma.fields.Integer(validate=validate.Range(min=0, max=10_000))
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


class VariantCreateSchema(VariantSchema):
    read_only = {}

    stock = ma.fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_STOCK),
        metadata={"description": "Initial stock (recorded as a stock movement)."},
    )


# --- Products -----------------------------------------------------------------------------------


class ProductListSchema(ma.Schema):
    """A product as listed: enough for a product card, no per-row queries.

    The fields document the card; kastoma.products.cards builds it (the most served shape: plain
    code there, not field-by-field dumping). Views may hand over built cards or Products."""

    id = ma.fields.UUID()
    name = ma.fields.String()
    slug = ma.fields.String()
    sku = ma.fields.String()
    price = Money()
    compare_at_price = Money(allow_none=True)
    price_range = ma.fields.Nested(PriceRangeSchema, metadata={"description": "Lowest and highest active price."})
    stock = ma.fields.Integer(metadata={"description": "Total, variants included."})
    in_stock = ma.fields.Boolean()
    has_variants = ma.fields.Boolean()
    is_featured = ma.fields.Boolean()
    is_active = ma.fields.Boolean()
    category = ma.fields.Nested(CategoryRefSchema)
    image_url = ma.fields.String(allow_none=True)
    rating = ma.fields.Nested(RatingSchema)
    created_at = ma.fields.DateTime()

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        if self.many if many is None else many:
            return [self.dump_one(item) for item in obj]
        return self.dump_one(obj)

    def dump_one(self, item: dict | Product) -> dict[str, Any]:
        return item if isinstance(item, dict) else card_of(item)


class _DetailFieldsSchema(ma.Schema):
    """What a product's page shows beyond its card."""

    description = ma.fields.String()
    attributes = ma.fields.Dict()
    low_stock_threshold = ma.fields.Integer()
    weight_kg = Measure(3)
    length_cm = Measure(2)
    width_cm = Measure(2)
    height_cm = Measure(2)
    variants = ma.fields.List(ma.fields.Nested(VariantSchema), attribute="visible_variants")
    images = ma.fields.List(ma.fields.Nested(ImageSchema))
    rating = ma.fields.Function(
        lambda p: {**rating(p), "distribution": p.rating_distribution},
        metadata={"description": "Approved reviews only; distribution maps each star to its count."},
    )
    related = ma.fields.List(ma.fields.Nested(ProductListSchema), attribute="related_products")
    updated_at = ma.fields.DateTime()


class ProductDetailSchema(_DetailFieldsSchema, ProductListSchema):
    """A product's card and its page."""

    rating = ma.fields.Nested(
        RatingDistributionSchema,
        metadata={"description": "Approved reviews only; distribution maps each star to its count."},
    )

    def dump_one(self, item: Product) -> dict[str, Any]:
        return {**card_of(item), **_DETAIL_FIELDS.dump(item)}


class _LowStockFieldsSchema(ma.Schema):
    low_stock_threshold = ma.fields.Integer()
    variants = ma.fields.List(ma.fields.Nested(VariantSchema))


class LowStockSchema(_LowStockFieldsSchema, ProductListSchema):
    def dump_one(self, item: Product) -> dict[str, Any]:
        return {**card_of(item), **_LOW_STOCK_FIELDS.dump(item)}


_DETAIL_FIELDS = _DetailFieldsSchema()
_LOW_STOCK_FIELDS = _LowStockFieldsSchema()


class ProductWriteSchema(StrictSchema):
    """PUT replaces (omitted optional fields take their defaults); PATCH changes what is sent."""

    read_only = STOCK_IS_RECORDED

    name = text(200, min_length=1, required=True)
    slug = slug_field(metadata={"description": "Generated from the name when omitted."})
    sku = sku_field(required=True)
    description = text(20_000, load_default="")
    price = Money(required=True)
    compare_at_price = Money(allow_none=True, load_default=None)
    cost_price = Money(
        allow_none=True,
        load_default=None,
        metadata={"description": "What a unit cost the shop: staff only, never shown to shoppers (products/stats/)."},
    )
    category_id = ma.fields.UUID(required=True)
    low_stock_threshold = ma.fields.Integer(load_default=5, validate=validate.Range(min=0, max=MAX_STOCK))
    attributes = attributes_field(load_default=dict)
    weight_kg = Measure(3, load_default=None)
    length_cm = Measure(2, load_default=None)
    width_cm = Measure(2, load_default=None)
    height_cm = Measure(2, load_default=None)
    is_active = ma.fields.Boolean(load_default=True)
    is_featured = ma.fields.Boolean(load_default=False)

    @ma.validates_schema
    def compare_at_not_below_price(self, data: dict[str, Any], **kwargs: Any) -> None:
        price, compare_at = data.get("price"), data.get("compare_at_price")
        if price is not None and compare_at is not None and compare_at < price:
            raise ma.ValidationError("The compare-at (was) price cannot be below the price.", "compare_at_price")


class ProductCreateSchema(ProductWriteSchema):
    read_only = {}

    stock = ma.fields.Integer(
        load_default=0,
        load_only=True,
        validate=validate.Range(min=0, max=MAX_STOCK),
        metadata={"description": "Initial stock of a product without variants (recorded as a movement)."},
    )


# --- Stock --------------------------------------------------------------------------------------


class StockUpdateSchema(StrictSchema):
    stock = ma.fields.Integer(validate=validate.Range(min=0, max=MAX_STOCK), metadata={"description": "New level."})
    delta = ma.fields.Integer(
        validate=[validate.Range(min=-MAX_STOCK, max=MAX_STOCK), validate.NoneOf([0], error="Must not be 0.")],
        metadata={"description": "Signed change."},
    )
    reason = ma.fields.String(required=True, validate=validate.OneOf([r.value for r in MANUAL_STOCK_REASONS]))
    note = text(500, load_default="")
    reference = text(100, load_default="", metadata={"description": "E.g. a purchase order number."})
    variant_id = ma.fields.UUID(allow_none=True, load_default=None)

    @ma.post_load
    def reason_as_enum(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["reason"] = StockReason(data["reason"])
        return data

    @ma.validates_schema
    def stock_or_delta(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("stock" in data) == ("delta" in data):
            raise ma.ValidationError("Give either an absolute stock or a delta.", "_schema")


class StockLevelSchema(ma.Schema):
    product_id = ma.fields.UUID()
    variant_id = ma.fields.UUID(allow_none=True)
    stock = ma.fields.Integer(metadata={"description": "The product's (or variant's) stock now."})
    total_stock = ma.fields.Integer(metadata={"description": "The product's total, variants included."})
    movement = ma.fields.Nested(lambda: StockMovementSchema(), allow_none=True)


class ActorSchema(ma.Schema):
    id = ma.fields.UUID()
    username = ma.fields.String()


class StockMovementSchema(ma.Schema):
    id = ma.fields.UUID()
    product_id = ma.fields.UUID()
    variant_id = ma.fields.UUID(allow_none=True)
    variant_sku = ma.fields.Function(lambda m: m.variant.sku if m.variant else None)
    delta = ma.fields.Integer()
    reason = ma.fields.Enum(StockReason, by_value=True)
    reference = ma.fields.String()
    note = ma.fields.String()
    actor = ma.fields.Nested(ActorSchema, allow_none=True)
    stock_after = ma.fields.Integer(metadata={"description": "The product's (or variant's) stock after it."})
    created_at = ma.fields.DateTime()
