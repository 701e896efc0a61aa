"""Products (search, stock adjustment, activation), reviews moderation, stock movements."""

from __future__ import annotations

from sqlalchemy import select

from kastoma.extensions import db
from kastoma.products.models import Product, Review, ReviewStatus, StockMovement, StockReason


def reload(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


def test_product_search_by_sku_and_name(staff_client, make_product):
    make_product("Blue Kettle", sku="KET-BLUE", stock=3)
    make_product("Red Teapot", sku="TEA-RED", stock=8)
    by_sku = staff_client.get("/admin/product/?search=KET-BLUE").get_data(as_text=True)
    assert "Blue Kettle" in by_sku and "Red Teapot" not in by_sku
    by_name = staff_client.get("/admin/product/?search=teapot").get_data(as_text=True)
    assert "Red Teapot" in by_name and "Blue Kettle" not in by_name
    sorted_page = staff_client.get("/admin/product/?sort=4&desc=1")
    assert sorted_page.status_code == 200


def test_adjusting_stock_writes_a_movement(staff_client, post_form, make_product, staff):
    product = make_product("Blue Kettle", sku="KET-BLUE", stock=3)
    response = post_form(
        f"/admin/product/adjust-stock/{product.id}/", {"delta": "12", "reason": "purchase", "note": "Delivery 42"}
    )
    assert "Stock of KET-BLUE changed by +12 (purchase): now 15." in response.get_data(as_text=True)
    assert reload(Product, product.id).stock == 15
    movement = db.session.scalars(
        select(StockMovement).where(StockMovement.product_id == product.id, StockMovement.actor_id == staff.id)
    ).one()
    assert (movement.delta, movement.reason, movement.stock_after, movement.actor_id, movement.note) == (
        12,
        StockReason.PURCHASE,
        15,
        staff.id,
        "Delivery 42",
    )
    page = staff_client.get(f"/admin/product/details/?id={product.id}").get_data(as_text=True)
    assert "Delivery 42" in page and "+12" in page


def test_stock_rules_stay_in_the_inventory_service(staff_client, post_form, make_product):
    product = make_product("Blue Kettle", sku="KET-BLUE", stock=3)
    before = len(db.session.scalars(select(StockMovement).where(StockMovement.product_id == product.id)).all())
    too_many = post_form(f"/admin/product/adjust-stock/{product.id}/", {"delta": "-5", "reason": "damage"})
    assert "Not enough stock of KET-BLUE: 3 available." in too_many.get_data(as_text=True)
    wrong_sign = post_form(f"/admin/product/adjust-stock/{product.id}/", {"delta": "5", "reason": "damage"})
    assert "A damage can only decrease stock." in wrong_sign.get_data(as_text=True)
    sale = post_form(f"/admin/product/adjust-stock/{product.id}/", {"delta": "-1", "reason": "sale"})
    assert "Choose one of purchase, adjustment, return, damage." in sale.get_data(as_text=True)
    junk = post_form(f"/admin/product/adjust-stock/{product.id}/", {"delta": "lots", "reason": "purchase"})
    assert "Enter a whole number" in junk.get_data(as_text=True)
    assert reload(Product, product.id).stock == 3
    after = db.session.scalars(select(StockMovement).where(StockMovement.product_id == product.id)).all()
    assert len(after) == before


def test_variant_stock_is_adjusted_per_variant(staff_client, post_form, make_product):
    product = make_product("Shirt", sku="SHIRT", variants=[{"name": "S", "stock": 1}, {"name": "M", "stock": 2}])
    no_variant = post_form(
        f"/admin/product/adjust-stock/{product.id}/", {"delta": "1", "reason": "purchase", "variant_id": ""}
    )
    assert "choose the variant" in no_variant.get_data(as_text=True)
    variant = product.variants[1]
    post_form(
        f"/admin/product/adjust-stock/{product.id}/", {"delta": "4", "reason": "return", "variant_id": str(variant.id)}
    )
    db.session.expire_all()
    assert reload(Product, product.id).stock_total == 7


def test_deactivate_and_activate_instead_of_delete(staff_client, post_form, make_product):
    product = make_product("Blue Kettle", sku="KET-BLUE")
    post_form(f"/admin/product/toggle-active/{product.id}/")
    assert reload(Product, product.id).is_active is False
    post_form(
        "/admin/product/action/", {"action": "activate", "rowid": [str(product.id)]}, token_from="/admin/product/"
    )
    assert reload(Product, product.id).is_active is True
    assert staff_client.post("/admin/product/delete/", data={"id": str(product.id)}).status_code == 400  # no token
    assert reload(Product, product.id) is not None


def test_product_export_has_no_internal_fields(staff_client, make_product):
    make_product("Blue Kettle", sku="KET-BLUE", stock=3)
    body = staff_client.get("/admin/product/export/csv/").get_data(as_text=True)
    assert "KET-BLUE" in body and "search_vector" not in body


def test_reviews_are_approved_and_hidden_in_bulk(
    staff_client, post_form, make_product, make_review, customer, make_user
):
    product = make_product("Blue Kettle", sku="KET-BLUE")
    first = make_review(product, customer, rating=4, status="pending", title="Nice kettle")
    second = make_review(product, make_user(), rating=1, status="pending", title="Leaks")
    queue = staff_client.get("/admin/review/").get_data(as_text=True)
    assert "Nice kettle" in queue and "Leaks" in queue
    response = post_form(
        "/admin/review/action/", {"action": "approve", "rowid": [str(first.id)]}, token_from="/admin/review/"
    )
    assert "1 review(s) approved." in response.get_data(as_text=True)
    post_form("/admin/review/action/", {"action": "hide", "rowid": [str(second.id)]}, token_from="/admin/review/")
    assert reload(Review, first.id).status is ReviewStatus.APPROVED
    assert reload(Review, second.id).status is ReviewStatus.HIDDEN
    refreshed = reload(Product, product.id)
    assert refreshed.review_count == 1 and float(refreshed.rating_average) == 4.0


def test_stock_movements_are_read_only(staff_client, post_form, make_product):
    product = make_product("Blue Kettle", sku="KET-BLUE", stock=3)
    post_form(f"/admin/product/adjust-stock/{product.id}/", {"delta": "2", "reason": "adjustment", "note": "recount"})
    page = staff_client.get("/admin/stockmovement/").get_data(as_text=True)
    assert "recount" in page
    filtered = staff_client.get("/admin/stockmovement/?search=recount").get_data(as_text=True)
    assert "recount" in filtered
    other = make_product("Red Teapot", sku="TEA-RED", stock=1)
    assert other.stock == 1
    by_sku = staff_client.get("/admin/stockmovement/?flt0_0=KET-BLUE").get_data(as_text=True)
    assert "recount" in by_sku and f"id={other.id}" not in by_sku and f"id={product.id}" in by_sku
    by_reason = staff_client.get("/admin/stockmovement/?flt0_1=adjustment").get_data(as_text=True)
    assert "recount" in by_reason
    movement = db.session.scalars(select(StockMovement)).first()
    assert staff_client.get(f"/admin/stockmovement/edit/?id={movement.id}").status_code == 302
    assert staff_client.get("/admin/stockmovement/new/").status_code == 302


def test_product_create_and_edit_go_through_the_service(staff_client, post_form, make_category, staff):
    kitchen = make_category("Kitchen")
    form = {"name": "Green Kettle", "sku": "ket-green", "category_id": str(kitchen.id), "price": "30.00", "stock": "7"}
    post_form("/admin/product/new/", {**form, "is_active": "y"}, token_from="/admin/product/new/")
    product = db.session.scalar(select(Product).where(Product.sku == "KET-GREEN"))
    assert product is not None and product.slug == "green-kettle" and product.stock == 7
    initial = db.session.scalars(select(StockMovement).where(StockMovement.product_id == product.id)).one()
    assert initial.actor_id == staff.id and initial.note == "Initial stock"
    edit = f"/admin/product/edit/?id={product.id}"
    page = staff_client.get(edit).get_data(as_text=True)
    assert "Green Kettle" in page and 'name="stock"' not in page, "stock is not editable as a number"
    bad = post_form(edit, {**form, "price": "30.00", "compare_at_price": "20.00"}, token_from=edit)
    assert "compare-at (was) price cannot be below the price" in bad.get_data(as_text=True)
    post_form(edit, {**form, "name": "Green Kettle XL", "price": "35.00", "is_active": "y"}, token_from=edit)
    updated = reload(Product, product.id)
    assert updated.name == "Green Kettle XL" and updated.price == 35 and updated.stock == 7


def test_categories_show_paths_and_refuse_cycles(staff_client, post_form, make_category):
    from kastoma.products.models import Category

    kitchen = make_category("Kitchen")
    post_form(
        "/admin/category/new/",
        {"name": "Kettles", "parent_id": str(kitchen.id), "is_active": "y"},
        token_from="/admin/category/new/",
    )
    kettles = db.session.scalar(select(Category).where(Category.name == "Kettles"))
    assert kettles.parent_id == kitchen.id
    assert "Kitchen › Kettles" in staff_client.get("/admin/category/").get_data(as_text=True)
    edit = f"/admin/category/edit/?id={kitchen.id}"
    response = post_form(edit, {"name": "Kitchen", "parent_id": str(kettles.id), "is_active": "y"}, token_from=edit)
    assert "cannot be its own ancestor" in response.get_data(as_text=True)
    assert reload(Category, kitchen.id).parent_id is None


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_variants_and_images_from_the_product_page(staff_client, post_form, make_product, app):
    import io

    from kastoma.products.models import ProductImage, ProductVariant

    product = make_product("Shirt", sku="SHIRT")
    page = f"/admin/product/details/?id={product.id}"
    post_form(f"/admin/product/add-variant/{product.id}/", {"sku": "shirt-l", "name": "Large", "stock": "4"}, page)
    variant = db.session.scalar(select(ProductVariant).where(ProductVariant.sku == "SHIRT-L"))
    assert variant is not None and variant.stock == 4 and reload(Product, product.id).stock_total == 4
    duplicate = post_form(f"/admin/product/add-variant/{product.id}/", {"sku": "SHIRT-L", "name": "Again"}, page)
    assert "This SKU is already used" in duplicate.get_data(as_text=True)
    post_form(f"/admin/product/toggle-variant/{variant.id}/", {}, page)
    assert reload(ProductVariant, variant.id).is_active is False

    token_page = staff_client.get(page).get_data(as_text=True)
    from tests.admin.conftest import csrf_from

    response = staff_client.post(
        f"/admin/product/add-image/{product.id}/",
        data={"csrf_token": csrf_from(token_page), "alt_text": "Front", "file": (io.BytesIO(PNG), "front.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Image added." in response.get_data(as_text=True)
    image = db.session.scalar(select(ProductImage).where(ProductImage.product_id == product.id))
    assert image.is_primary and image.alt_text == "Front"
    assert 'class="img-thumbnail product-thumb"' in staff_client.get(page).get_data(as_text=True)
    post_form(f"/admin/product/delete-image/{image.id}/", {}, page)
    assert db.session.scalar(select(ProductImage).where(ProductImage.product_id == product.id)) is None
