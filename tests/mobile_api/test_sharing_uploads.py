"""Image uploads: `image` on stories (editors), `photo` on drafts (their author). Judged by content,
re-encoded without metadata, stored through Django's storage API, served under MEDIA_URL; the JSON
URL fields keep working; refusals answer the one error shape and store nothing."""
from __future__ import annotations

import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.sharing.models import Story, StoryDraft
from tests.factories import StoryDraftFactory, StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def image_file(fmt: str = "PNG", size: tuple[int, int] = (320, 200), name: str = "", exif: bool = False,
               content_type: str = "") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 40, 90))
    extra = {}
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"  # Make
        tags[0x8825] = {1: "N", 2: (52.0, 5.0, 0.0)}  # GPS info: where the photo was taken
        extra["exif"] = tags.tobytes()
    image.save(buffer, format=fmt, **extra)
    ext = {"JPEG": "jpg"}.get(fmt, fmt.lower())
    return SimpleUploadedFile(name or f"photo.{ext}", buffer.getvalue(), content_type=content_type or f"image/{ext}")


def stored_files(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


NEW_STORY = {"title": "Nieuw kantoor", "url": "https://bank.example/kantoor", "language": "nl"}


def test_an_editor_creates_a_story_with_an_image_in_a_multipart_form(bank, client_for, media) -> None:
    response = client_for(bank.mark).post("/api/v1/stories/", {
        **NEW_STORY, "image": image_file(), "hashtags": json.dumps(["kantoor"]),
        "audience": json.dumps({"language": ["nl"]}),
    }, format="multipart")

    assert response.status_code == 201, response.json()
    body = response.json()
    story = Story.objects.get()
    assert body["image"] == f"http://testserver/media/{story.image.name}"
    assert str(story.image.name).startswith("stories/") and str(story.image.name).endswith(".png")
    assert (body["hashtags"], body["audience"]["language"], body["image_url"]) == (["kantoor"], ["nl"], "")
    assert stored_files(media) == [story.image.name]


def test_the_uploaded_image_is_served_under_media_url(bank, client_for) -> None:
    body = client_for(bank.mark).post("/api/v1/stories/", {**NEW_STORY, "image": image_file("JPEG")},
                                      format="multipart").json()

    served = client_for(bank.emma).get(body["image"].removeprefix("http://testserver"))

    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == default_storage.open(str(Story.objects.get().image.name)).read()
    assert client_for(bank.emma).get("/media/stories/missing.png").json()["error"]["code"] == "not_found"
    assert client_for(bank.emma).get("/media/../settings.py").status_code == 404


def test_metadata_is_stripped_and_the_type_comes_from_the_content(bank, client_for) -> None:
    lying = image_file("JPEG", exif=True, name="holiday.gif", content_type="image/gif")

    response = client_for(bank.mark).post("/api/v1/stories/", {**NEW_STORY, "image": lying}, format="multipart")

    assert response.status_code == 201
    name = str(Story.objects.get().image.name)
    assert name.endswith(".jpg")
    with Image.open(default_storage.open(name)) as stored:
        assert stored.format == "JPEG" and stored.size == (320, 200)
        assert not stored.getexif() and "exif" not in stored.info


@pytest.mark.parametrize(("upload", "code", "status"), [
    (SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png"), "invalid_image", 400),
    (image_file("GIF", name="anim.jpg", content_type="image/jpeg"), "invalid_image", 400),
    (image_file(size=(60, 40)), "invalid_image", 400),
    (image_file(size=(7000, 120)), "invalid_image", 400),
    (SimpleUploadedFile("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>",
                        content_type="image/svg+xml"), "invalid_image", 400),
])
def test_what_is_not_a_sensible_image_is_refused_and_nothing_is_stored(
    bank, client_for, media, upload, code, status,
) -> None:
    response = client_for(bank.mark).post("/api/v1/stories/", {**NEW_STORY, "image": upload}, format="multipart")

    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["fields"]["image"]
    assert not Story.objects.exists() and stored_files(media) == []


def test_an_image_over_the_size_limit_is_a_413(bank, client_for, media, settings) -> None:
    settings.RELAY_IMAGE_MAX_BYTES = 2_000
    big = image_file("PNG", size=(400, 400))
    big_noise = SimpleUploadedFile("big.png", big.read() + b"\0" * 3_000, content_type="image/png")

    response = client_for(bank.mark).post("/api/v1/stories/", {**NEW_STORY, "image": big_noise}, format="multipart")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "image_too_large"
    assert not Story.objects.exists() and stored_files(media) == []


def test_a_form_with_broken_json_text_is_a_400(bank, client_for, media) -> None:
    response = client_for(bank.mark).post("/api/v1/stories/", {**NEW_STORY, "audience": "{not json",
                                                               "image": image_file()}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"audience": ["In a multipart form, send this field as JSON text."]}
    assert stored_files(media) == []


def test_update_replaces_or_removes_the_image_and_json_still_works(bank, client_for) -> None:
    client = client_for(bank.mark)
    story = StoryFactory.create(created_by=bank.mark)

    first = client.patch(f"/api/v1/stories/{story.id}/", {"image": image_file()}, format="multipart").json()
    second = client.patch(f"/api/v1/stories/{story.id}/", {"image": image_file("WEBP"), "title": "Nieuw"},
                          format="multipart").json()
    by_json = client.patch(f"/api/v1/stories/{story.id}/", {"image_url": "https://cdn.example/a.jpg"},
                           format="json").json()
    removed = client.patch(f"/api/v1/stories/{story.id}/", {"remove_image": True}, format="json").json()

    assert first["image"].endswith(".png") and second["image"].endswith(".webp") and second["title"] == "Nieuw"
    assert by_json["image"] == second["image"] and by_json["image_url"] == "https://cdn.example/a.jpg"
    assert removed["image"] is None and removed["image_url"] == "https://cdn.example/a.jpg"


def test_the_feed_carries_the_uploaded_image(bank, client_for) -> None:
    story = StoryFactory.create(created_by=bank.mark)
    client_for(bank.mark).patch(f"/api/v1/stories/{story.id}/", {"image": image_file()}, format="multipart")

    item = client_for(bank.emma).get("/api/v1/feed/").json()["results"][0]

    assert item["image"] == f"http://testserver/media/{Story.objects.get().image.name}"


def test_only_editors_upload_story_images(bank, client_for, media) -> None:
    story = StoryFactory.create(created_by=bank.mark)

    created = client_for(bank.emma).post("/api/v1/stories/", {**NEW_STORY, "image": image_file()}, format="multipart")
    updated = client_for(bank.sam).patch(f"/api/v1/stories/{story.id}/", {"image": image_file()}, format="multipart")

    assert (created.status_code, updated.status_code) == (403, 403)
    assert Story.objects.count() == 1 and not Story.objects.get().image and stored_files(media) == []


def test_an_employee_adds_a_photo_to_a_draft_and_it_follows_the_story(bank, client_for) -> None:
    created = client_for(bank.emma).post("/api/v1/drafts/", {
        "title": "Marathon", "text": "Twelve colleagues ran for charity.", "language": "nl", "photo": image_file(),
    }, format="multipart")

    assert created.status_code == 201, created.json()
    draft = StoryDraft.objects.get()
    assert created.json()["photo"] == f"http://testserver/media/{draft.photo.name}"
    assert str(draft.photo.name).startswith("drafts/")
    client_for(bank.mark).post(f"/api/v1/drafts/{draft.id}/review/", {"decision": "approve"}, format="json")
    assert Story.objects.get(author=bank.emma).image.name == draft.photo.name


def test_only_the_author_changes_a_drafts_photo(bank, client_for, media) -> None:
    draft = StoryDraftFactory.create(author=bank.emma)

    colleague = client_for(bank.lars).patch(f"/api/v1/drafts/{draft.id}/", {"photo": image_file()}, format="multipart")
    editor = client_for(bank.mark).patch(f"/api/v1/drafts/{draft.id}/", {"photo": image_file()}, format="multipart")
    author = client_for(bank.emma).patch(f"/api/v1/drafts/{draft.id}/", {"photo": image_file()}, format="multipart")
    removed = client_for(bank.emma).patch(f"/api/v1/drafts/{draft.id}/", {"remove_photo": True}, format="json")

    assert (colleague.status_code, editor.status_code, author.status_code) == (404, 404, 200)
    assert colleague.json()["error"]["code"] == "not_found"
    assert author.json()["photo"].endswith(".png") and removed.json()["photo"] is None
    assert len(stored_files(media)) == 1  # only the author's upload was stored


def test_a_draft_photo_that_is_not_an_image_is_refused(bank, client_for, media) -> None:
    response = client_for(bank.emma).post("/api/v1/drafts/", {
        "title": "Marathon", "text": "Twelve colleagues ran.", "language": "nl",
        "photo": SimpleUploadedFile("a.jpg", b"\xff\xd8\xff garbage", content_type="image/jpeg"),
    }, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["photo"]
    assert not StoryDraft.objects.exists() and stored_files(media) == []
