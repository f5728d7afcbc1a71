"""Issue 16.4: strict where a wrong value means something; unknown fields stay ignored."""
from __future__ import annotations

import pytest

from backend.listening.models import Signal, SignalContact
from tests.factories import SignalFactory, StoryFactory, StoryTargetFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"
LEAD = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen?"


@pytest.mark.parametrize("text", [123, 12.5, True, ["klant wil hypotheek"], {"t": "klant wil hypotheek"}])
def test_text_must_be_a_string(bank, client_for, text) -> None:
    response = client_for(bank.emma).post(URL, {"text": text}, format="json")

    assert response.status_code == 400
    assert "text" in response.json()["error"]["fields"]
    assert not Signal.objects.exists()


@pytest.mark.parametrize("consent", ["yes", "true", 1, "1", "on"])
def test_consent_must_be_the_boolean_true(bank, client_for, consent) -> None:
    response = client_for(bank.emma).post(URL, {"text": LEAD, "contact": {"phone": "0612345678"},
                                                "contact_consent": consent}, format="json")

    assert response.status_code == 400
    assert "contact_consent" in response.json()["error"]["fields"]
    assert not Signal.objects.exists() and not SignalContact.objects.exists()


def test_consent_true_is_accepted(bank, client_for) -> None:
    response = client_for(bank.emma).post(URL, {"text": LEAD, "contact": {"phone": "0612345678"},
                                                "contact_consent": True}, format="json")

    assert response.status_code == 201
    assert SignalContact.objects.get().consent is True


def test_an_unknown_story_or_one_i_may_not_see_is_a_400(bank, client_for) -> None:
    hidden = StoryFactory.create(language="da")
    StoryTargetFactory.create(story=hidden, dimension="team", value=str(bank.support.pk))

    for story in (999_999, hidden.pk, 9223372036854775808):
        response = client_for(bank.emma).post(URL, {"text": LEAD, "story": story}, format="json")
        assert response.status_code == 400, (story, response.content)
        assert "story" in response.json()["error"]["fields"]
    assert not Signal.objects.exists()


def test_a_story_from_my_feed_is_kept(bank, client_for) -> None:
    story = StoryFactory.create()

    response = client_for(bank.emma).post(URL, {"text": LEAD, "story": story.pk}, format="json")

    assert response.status_code == 201, response.content
    assert Signal.objects.get().story_ref == story.pk


def test_unknown_fields_are_ignored(bank, client_for) -> None:
    response = client_for(bank.emma).post(URL, {"text": LEAD, "from_a_newer_app": {"x": 1}}, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize(("value", "expected"), [("true", [True]), ("1", [True]), ("false", [False]), ("0", [False])])
def test_urgent_filter_accepts_true_false_1_0(bank, client_for, value, expected) -> None:
    SignalFactory.create(kind="complaint", team=bank.support, urgent=True)
    SignalFactory.create(kind="complaint", team=bank.support, urgent=False)

    response = client_for(bank.sofie).get(f"/api/v1/queues/{bank.support.pk}/signals/?urgent={value}")

    assert response.status_code == 200
    assert [s["urgent"] for s in response.json()["results"]] == expected


@pytest.mark.parametrize("value", ["yes", "maybe", "2", "TRUE!"])
def test_urgent_filter_answers_400_to_anything_else(bank, client_for, value) -> None:
    response = client_for(bank.sofie).get(f"/api/v1/queues/{bank.support.pk}/signals/?urgent={value}")

    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/signals/mine/", "/api/v1/notifications/", "/api/v1/feed/",
                                  "QUEUE"])
def test_an_invalid_cursor_is_a_400_not_a_404(bank, client_for, path) -> None:
    path = f"/api/v1/queues/{bank.support.pk}/signals/" if path == "QUEUE" else path

    response = client_for(bank.sofie).get(f"{path}?cursor=not-a-cursor")

    assert response.status_code == 400, response.content
    assert "cursor" in response.json()["error"]["fields"]
