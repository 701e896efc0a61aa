"""Uploaded images: validated by their content, stored under MEDIA_ROOT with random names."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import Flask, current_app, send_from_directory, url_for
from werkzeug.datastructures import FileStorage

from kastoma.errors import ValidationFailed

# Magic numbers, not file names or client-declared types, decide what a file is.
IMAGE_SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "webp": (b"RIFF",),
}


def sniff_image_type(head: bytes) -> str | None:
    if head.startswith(IMAGE_SIGNATURES["png"]):
        return "png"
    if head.startswith(IMAGE_SIGNATURES["jpg"]):
        return "jpg"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    return None


def save_image(upload: FileStorage | None, folder: str, max_bytes: int, field: str = "file") -> str:
    """Validate and store an uploaded PNG/JPEG/WebP; return its path relative to MEDIA_ROOT."""
    if upload is None or not upload.filename and not upload.content_length:
        raise ValidationFailed(errors={field: ["An image file is required."]})
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationFailed(errors={field: [f"The image must be at most {max_bytes // (1024 * 1024)} MB."]})
    kind = sniff_image_type(data[:16])
    if kind is None:
        raise ValidationFailed(errors={field: ["Upload a PNG, JPEG or WebP image."]})
    relative = f"{folder}/{uuid.uuid4().hex}.{kind}"
    target = Path(current_app.config["MEDIA_ROOT"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative


def delete_media(relative: str) -> None:
    if relative:
        (Path(current_app.config["MEDIA_ROOT"]) / relative).unlink(missing_ok=True)


def media_url(relative: str) -> str | None:
    """Absolute URL of a stored file; full URLs (external images) are returned unchanged."""
    if not relative:
        return None
    if relative.startswith(("http://", "https://")):
        return relative
    return url_for("media", filename=relative, _external=True)


def init_media(app: Flask) -> None:
    def media(filename: str):
        response = send_from_directory(app.config["MEDIA_ROOT"], filename, max_age=86400)
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    app.add_url_rule("/media/<path:filename>", "media", media)
