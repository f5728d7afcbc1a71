"""Issue 15 (low): a story's link is https only (http too with DEBUG) and carries no user info,
which can make a link read as the bank's address while it leads elsewhere."""
from __future__ import annotations

import pytest

from backend.sharing.models import Story

pytestmark = pytest.mark.django_db


def story(url: str, **extra: str) -> dict[str, str]:
    return {"title": "Nieuw kantoor", "url": url, "language": "nl", **extra}


@pytest.mark.parametrize(("url", "message"), [
    ("http://bank.example/kantoor", "Use an https:// link."),
    ("ftp://bank.example/kantoor", "Use an https:// link."),
    ("https://bank.example@evil.example/kantoor", "A link may not contain a user name or password."),
    ("https://user:secret@bank.example/kantoor", "A link may not contain a user name or password."),
])
def test_a_story_link_that_is_not_plain_https_is_refused(bank, client_for, url: str, message: str) -> None:
    response = client_for(bank.mark).post("/api/v1/stories/", story(url), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"url": [message]}
    assert not Story.objects.exists()


def test_the_image_link_and_a_draft_photo_link_follow_the_same_rule(bank, client_for) -> None:
    image = client_for(bank.mark).post("/api/v1/stories/", story("https://bank.example/a",
                                       image_url="https://x@evil.example/i.png"), format="json")
    draft = client_for(bank.emma).post("/api/v1/drafts/", {"title": "Mijn dag", "text": "Vandaag...", "language": "nl",
                                                           "photo_url": "http://bank.example/p.jpg"}, format="json")

    assert image.status_code == 400 and set(image.json()["error"]["fields"]) == {"image_url"}
    assert draft.status_code == 400 and set(draft.json()["error"]["fields"]) == {"photo_url"}


def test_https_is_accepted_and_http_only_with_debug(bank, client_for, settings) -> None:
    plain = client_for(bank.mark).post("/api/v1/stories/", story("https://bank.example/kantoor"), format="json")
    settings.DEBUG = True
    local = client_for(bank.mark).post("/api/v1/stories/", story("http://localhost:8080/kantoor"), format="json")

    assert (plain.status_code, local.status_code) == (201, 201)
