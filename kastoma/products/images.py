"""Product images: uploads validated by content or external URLs, ordered, exactly one primary.

Functions take model objects and plain data, raise DomainErrors and never commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from kastoma.errors import Conflict, NotFound, ValidationFailed
from kastoma.extensions import db
from kastoma.media import delete_media, save_image
from kastoma.products.models import Product, ProductImage

IMAGE_MAX_BYTES = 5 * 1024 * 1024
MAX_IMAGES = 20
MEDIA_FOLDER = "products"


def get_image(product: Product, image_id: uuid.UUID) -> ProductImage:
    image = db.session.get(ProductImage, image_id)
    if image is None or image.product_id != product.id:
        raise NotFound("Image not found.")
    return image


def images_of(product: Product):
    return (
        select(ProductImage)
        .where(ProductImage.product_id == product.id)
        .order_by(ProductImage.is_primary.desc(), ProductImage.sort_order, ProductImage.created_at, ProductImage.id)
    )


def _make_primary(image: ProductImage) -> None:
    # Clear the old primary before setting the new one: the partial unique index allows one.
    db.session.flush()
    db.session.execute(
        update(ProductImage)
        .where(
            ProductImage.product_id == image.product_id,
            ProductImage.id != image.id,
            ProductImage.is_primary.is_(True),
        )
        .values(is_primary=False)
    )
    image.is_primary = True
    db.session.flush()


def add_image(product: Product, data: dict[str, Any], upload: FileStorage | None) -> ProductImage:
    """Store an upload (or take `url`); the first image of a product becomes its primary."""
    url = data.get("url")
    if (upload is None) == (url is None):
        raise ValidationFailed(errors={"file": ["Upload a file or give a url (one of them)."]})
    count = len(db.session.scalars(select(ProductImage.id).where(ProductImage.product_id == product.id)).all())
    if count >= MAX_IMAGES:
        raise Conflict(f"A product holds at most {MAX_IMAGES} images.", code="limit_reached")
    path = url if url is not None else save_image(upload, MEDIA_FOLDER, IMAGE_MAX_BYTES, field="file")
    image = ProductImage(
        product_id=product.id,
        image=path,
        alt_text=data.get("alt_text", ""),
        sort_order=data.get("sort_order", count),
        is_primary=False,
    )
    db.session.add(image)
    if data.get("is_primary") or count == 0:
        _make_primary(image)
    else:
        db.session.flush()
    return image


def update_image(image: ProductImage, data: dict[str, Any]) -> tuple[ProductImage, str | None]:
    """Change alt text, order, primary flag or URL; returns the replaced file to delete, if any."""
    replaced = None
    if "url" in data:
        replaced, image.image = image.image, data["url"]
    for field in ("alt_text", "sort_order"):
        if field in data:
            setattr(image, field, data[field])
    if data.get("is_primary"):
        _make_primary(image)
    elif data.get("is_primary") is False and image.is_primary:
        raise ValidationFailed(errors={"is_primary": ["Make another image primary instead."]})
    return image, replaced


def delete_image(image: ProductImage) -> str:
    """Delete the row, promote the next image if it was the primary; returns the stored path."""
    path, product_id, was_primary = image.image, image.product_id, image.is_primary
    db.session.delete(image)
    db.session.flush()
    if was_primary:
        successor = db.session.scalar(
            select(ProductImage)
            .where(ProductImage.product_id == product_id)
            .order_by(ProductImage.sort_order, ProductImage.created_at, ProductImage.id)
            .limit(1)
        )
        if successor is not None:
            successor.is_primary = True
    return path


def remove_stored_file(path: str | None) -> None:
    """After commit: delete an uploaded file (never anything an external URL could point at)."""
    if path and not path.startswith(("http://", "https://")) and ".." not in path:
        delete_media(path)
