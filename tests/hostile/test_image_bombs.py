"""Issue 15 (low): a small PNG with a huge canvas is refused from its header, before decoding."""
from __future__ import annotations

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.core.errors import DomainError
from backend.sharing import images
from backend.sharing.models import Story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png(size: tuple[int, int]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, format="PNG", optimize=True)  # one bit per pixel: compresses to little
    return SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize("size", [(5999, 5999), (4500, 4500)])  # over twice the bound, and just over it
def test_a_small_png_of_too_many_pixels_is_refused_without_decoding(bank, client_for, media, size) -> None:
    bomb = png(size)
    assert bomb.size is not None and bomb.size < 200_000  # small on the wire: only the pixel count gives it away

    response = client_for(bank.mark).post("/api/v1/stories/", {
        "title": "Bom", "url": "https://bank.example/bom", "language": "nl", "image": bomb,
    }, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image"
    assert "megapixels" in response.json()["error"]["message"]
    assert not Story.objects.exists() and not list(media.rglob("*.png"))


def test_refusing_a_bomb_costs_a_fraction_of_decoding_it(media, monkeypatch) -> None:
    bomb = png((5999, 5999))
    started = time.perf_counter()
    with pytest.raises(DomainError):
        images.image_store(upload=bomb, folder="stories")
    refusing = time.perf_counter() - started

    bomb.seek(0)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # what the default would let through
    started = time.perf_counter()
    with Image.open(io.BytesIO(bomb.read())) as image:
        image.load()
        image.convert("RGB")  # what re-encoding a PNG story image would do
    decoding = time.perf_counter() - started

    assert refusing < decoding / 5


def test_pillows_own_bound_is_the_settings_bound(settings) -> None:
    assert Image.MAX_IMAGE_PIXELS == settings.RELAY_IMAGE_MAX_PIXELS <= 16_000_000
    assert images.FORMATS  # the module that sets the bound is the one every upload goes through
