"""`POST /api/v1/stories/{id}/shares/` and `/reactions/`: own words, near-duplicate warnings or
refusals, guidelines before the first share, and 404 for stories one may not see."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from backend.sharing.models import GuidelinesAcceptance, Reaction, Share
from tests.factories import ChannelPresenceFactory, GuidelinesFactory, ShareFactory, StoryFactory, StoryTargetFactory

pytestmark = pytest.mark.django_db

COPY = "Proud that we now give a discount on green mortgages, have a look"


def share(client, story_id, message=COPY, channel="linkedin"):
    return client.post(f"/api/v1/stories/{story_id}/shares/", {"channel": channel, "message": message}, format="json")


def test_a_share_gives_a_tracked_link_and_the_channel_intent(bank, client_for) -> None:
    ChannelPresenceFactory.create(profile=bank.emma.profile, channel="x", network_size=800)
    story = StoryFactory.create()

    response = share(client_for(bank.emma), story.id, "Mooi nieuws van ons", channel="x")

    assert response.status_code == 201
    body = response.json()
    stored = Share.objects.get()
    assert body["id"] == stored.id and body["warnings"] == []
    assert body["tracked_url"] == f"http://testserver/s/{stored.code}"
    assert parse_qs(urlsplit(body["intent_url"]).query) == {"text": ["Mooi nieuws van ons"],
                                                           "url": [body["tracked_url"]]}
    assert (stored.user, stored.channel, stored.network_size) == (bank.emma, "x", 800)


def test_tracked_links_use_the_public_base_url_when_set(bank, client_for, settings) -> None:
    settings.RELAY_PUBLIC_BASE_URL = "https://rly.example"

    body = share(client_for(bank.emma), StoryFactory.create().id, "Mijn eigen woorden").json()

    assert body["tracked_url"] == f"https://rly.example/s/{Share.objects.get().code}"


@pytest.mark.parametrize("message", ["", "   ", "https://bank.example/news/1", "!!"])
def test_a_share_without_a_personal_message_is_refused(bank, client_for, message) -> None:
    response = share(client_for(bank.emma), StoryFactory.create().id, message)

    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("message_required", "validation_error")
    assert "message" in response.json()["error"]["fields"]
    assert Share.objects.count() == 0


def test_a_near_copy_of_a_colleagues_message_gets_a_warning(bank, client_for) -> None:
    story = StoryFactory.create()
    assert share(client_for(bank.lars), story.id, COPY).status_code == 201

    response = share(client_for(bank.emma), story.id, COPY.upper() + "!!")

    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert warning["code"] == "similar_message" and warning["similarity"] == 1.0
    assert "spam" in warning["message"]
    similar_to = Share.objects.get(pk=response.json()["id"]).similar_to
    assert similar_to is not None and similar_to.user == bank.lars


def test_my_own_earlier_message_and_other_stories_do_not_count(bank, client_for) -> None:
    story = StoryFactory.create()
    client = client_for(bank.emma)
    share(client, story.id, COPY)
    share(client_for(bank.lars), StoryFactory.create().id, COPY)

    assert share(client, story.id, COPY).json()["warnings"] == []


def test_the_organisation_can_refuse_near_copies(bank, client_for, settings) -> None:
    settings.RELAY_SHARE_REFUSE_SIMILAR = True
    story = StoryFactory.create()
    share(client_for(bank.lars), story.id, COPY)

    response = share(client_for(bank.emma), story.id, COPY.replace("have a look", "take a look"))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "message_too_similar"
    assert Share.objects.filter(user=bank.emma).count() == 0


def test_the_suggested_text_word_for_word_gets_a_gentle_warning(bank, client_for) -> None:
    story = StoryFactory.create(suggested_texts=[{"channel": "linkedin", "language": "nl", "text": "Mooi nieuws!"}])

    warnings = share(client_for(bank.emma), story.id, "mooi nieuws").json()["warnings"]

    assert [w["code"] for w in warnings] == ["suggested_text_unchanged"]


def test_the_first_share_needs_the_guidelines_accepted(bank, client_for) -> None:
    GuidelinesFactory.create(version="2025-01")
    current = GuidelinesFactory.create(version="2026-01")
    client = client_for(bank.emma)
    story = StoryFactory.create()

    refused = share(client, story.id, "Mijn eigen woorden")
    assert client.get("/api/v1/guidelines/").json()["accepted_at"] is None
    outdated = client.post("/api/v1/guidelines/accept/", {"version": "2025-01"}, format="json")
    accepted = client.post("/api/v1/guidelines/accept/", {"version": "2026-01"}, format="json")
    shared = share(client, story.id, "Mijn eigen woorden")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "guidelines_required"
    assert refused.json()["error"]["guidelines_version"] == "2026-01"
    assert outdated.status_code == 409 and outdated.json()["error"]["current_version"] == "2026-01"
    assert accepted.status_code == 200 and accepted.json()["version"] == "2026-01"
    assert shared.status_code == 201
    assert list(GuidelinesAcceptance.objects.values_list("user", "guidelines")) == [(bank.emma.id, current.id)]


def test_stories_i_may_not_see_are_404_and_nothing_is_stored(bank, client_for) -> None:
    danish = StoryTargetFactory.create(dimension="language", value="da").story
    not_for_alumni = StoryFactory.create(for_alumni=False)
    draft = StoryFactory.create(state="draft")

    answers = [
        share(client_for(bank.emma), danish.id).status_code,
        share(client_for(bank.olga), not_for_alumni.id).status_code,
        share(client_for(bank.emma), draft.id).status_code,
        share(client_for(bank.emma), 999999).status_code,
        client_for(bank.emma).get(f"/api/v1/stories/{danish.id}/").status_code,
        client_for(bank.emma).post(f"/api/v1/stories/{danish.id}/reactions/", {"kind": "like"}).status_code,
    ]

    assert answers == [404] * 6
    assert Share.objects.count() == 0 and Reaction.objects.count() == 0


def test_editors_cannot_share_a_story_that_is_not_live(bank, client_for) -> None:
    response = share(client_for(bank.mark), StoryFactory.create(state="draft").id, "Mijn eigen woorden")

    assert response.status_code == 409 and response.json()["error"]["code"] == "story_not_live"


def test_like_once_and_comment_count_as_reactions(bank, client_for) -> None:
    story = StoryFactory.create()
    client = client_for(bank.emma)
    url = f"/api/v1/stories/{story.id}/reactions/"

    first = client.post(url, {"kind": "like"}, format="json")
    again = client.post(url, {"kind": "like"}, format="json")
    comment = client.post(url, {"kind": "comment", "comment": "Goed bezig!"}, format="json")
    empty = client.post(url, {"kind": "comment", "comment": " "}, format="json")

    assert (first.status_code, again.status_code, comment.status_code, empty.status_code) == (201, 200, 201, 400)
    assert again.json()["id"] == first.json()["id"]
    assert sorted(Reaction.objects.values_list("kind", flat=True)) == ["comment", "like"]
    assert client.get("/api/v1/feed/").json()["results"][0]["my_liked"] is True


def test_my_share_count_counts_only_mine(bank, client_for) -> None:
    story = StoryFactory.create()
    ShareFactory.create(story=story, user=bank.lars)

    item = client_for(bank.emma).get("/api/v1/feed/").json()["results"][0]

    assert item["my_share_count"] == 0
