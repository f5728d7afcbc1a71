"""Uploaded story images and draft photos.

An upload is judged by its content, never by its name or the client's content type: Pillow must
recognise it as JPEG, PNG or WebP, within the size and dimension limits. It is then re-encoded,
which drops its metadata (phone photos carry the GPS position where they were taken) and anything
that was smuggled in after the image data, and stored through Django's storage API under a random
name (no user-chosen path ever reaches the storage).
"""
from __future__ import annotations

import io
import uuid
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from backend.core.errors import DomainError

# Pillow's own guard, checked from the header inside `Image.open` before any pixel is decoded
# (the warnings filter below makes its warning an error). Its default, ~89 megapixels, lets a
# 100 KB PNG cost a second of CPU and 80 MB per upload; a story image needs far fewer.
Image.MAX_IMAGE_PIXELS = settings.RELAY_IMAGE_MAX_PIXELS

# Pillow format → file extension. GIF and SVG are left out on purpose (animation, scripts).
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _refuse(field: str, message: str, *, code: str = "invalid_image", status_code: int = 400) -> DomainError:
    return DomainError(message, code=code, status_code=status_code, fields={field: [message]})


def image_store(*, upload: UploadedFile, folder: str, field: str = "image") -> str:
    """Validate `upload` and store a clean copy; returns the storage name for an ImageField.

    Raises a 413 `image_too_large` over `RELAY_IMAGE_MAX_BYTES`, a 400 `invalid_image` for anything
    that is not a JPEG/PNG/WebP of sensible dimensions. Nothing is stored when it refuses.
    """
    if upload.size is None or upload.size > settings.RELAY_IMAGE_MAX_BYTES:
        limit = settings.RELAY_IMAGE_MAX_BYTES // (1024 * 1024)
        raise _refuse(field, _("The image is larger than %(limit)s MiB.") % {"limit": limit},
                      code="image_too_large", status_code=413)
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                width, height = probe.size  # from the header: no pixels decoded yet
                if kind not in FORMATS:
                    raise _refuse(field, _("Send a JPEG, PNG or WebP image."))
                _check_dimensions(field, width, height)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                clean = ImageOps.exif_transpose(image)  # keep the orientation the EXIF said, then drop EXIF
                if kind == "JPEG" and clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                out = io.BytesIO()
                clean.save(out, format=kind, **({"quality": 88, "optimize": True} if kind == "JPEG" else {}))
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(field, _too_many_pixels()) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _refuse(field, _("This file is not an image we can read (JPEG, PNG or WebP).")) from None
    name = f"{folder}/{uuid.uuid4().hex}.{FORMATS[kind]}"
    return default_storage.save(name, ContentFile(out.getvalue()))


def _check_dimensions(field: str, width: int, height: int) -> None:
    low, high = settings.RELAY_IMAGE_MIN_SIDE, settings.RELAY_IMAGE_MAX_SIDE
    if min(width, height) < low or max(width, height) > high:
        raise _refuse(field, _("The image is %(width)d×%(height)d pixels; each side must be %(low)d–%(high)d.") % {
            "width": width, "height": height, "low": low, "high": high})
    if width * height > settings.RELAY_IMAGE_MAX_PIXELS:
        raise _refuse(field, _too_many_pixels())


def _too_many_pixels() -> str:
    return _("The image has more than %(megapixels)d megapixels; send a smaller one.") % {
        "megapixels": settings.RELAY_IMAGE_MAX_PIXELS // 1_000_000}
