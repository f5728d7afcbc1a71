"""`GET /api/v1/feed/`: the contract, relevance order, what I did with each story, pagination and
a constant number of queries."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import InterestFactory, ShareFactory, StoryFactory, StoryTargetFactory

pytestmark = pytest.mark.django_db


def test_feed_items_carry_the_contract_fields(bank, client_for) -> None:
    story = StoryFactory.create(
        title="Groene hypotheek", summary="Korting", url="https://bank.example/groen",
        talking_points=["0,2% korting"],
        suggested_texts=[{"channel": "linkedin", "language": "nl", "text": "Trots!"},
                         {"channel": "linkedin", "language": "da", "text": "Stolt!"}],
    )
    ShareFactory.create(story=story, user=bank.emma)
    ShareFactory.create(story=story, user=bank.emma)
    ShareFactory.create(story=story, user=bank.lars)

    body = client_for(bank.emma).get("/api/v1/feed/").json()

    item = body["results"][0]
    assert {k: item[k] for k in ("id", "title", "summary", "url", "talking_points", "suggested_texts",
                                 "my_share_count")} == {
        "id": story.id, "title": "Groene hypotheek", "summary": "Korting", "url": "https://bank.example/groen",
        "talking_points": ["0,2% korting"],
        "suggested_texts": [{"channel": "linkedin", "language": "nl", "text": "Trots!"}],
        "my_share_count": 2,
    }
    assert item["my_liked"] is False and "next" in body


def test_a_reader_gets_their_language_version(bank, client_for) -> None:
    StoryFactory.create(language="nl", title="Nieuws", versions={"da": {"title": "Nyheder", "talking_points": ["Punkt"]}})

    item = client_for(bank.lars).get("/api/v1/feed/").json()["results"][0]

    assert (item["title"], item["language"], item["talking_points"]) == ("Nyheder", "da", ["Punkt"])


def test_most_relevant_first(bank, client_for) -> None:
    now = timezone.now()
    bank.emma.profile.interests.add(InterestFactory.create(slug="savings"))
    old_other_language = StoryFactory.create(language="en", published_at=now - timedelta(days=20))
    fresh = StoryFactory.create(language="nl", published_at=now - timedelta(hours=1))
    already_shared = StoryFactory.create(language="nl", published_at=now - timedelta(hours=2))
    ShareFactory.create(story=already_shared, user=bank.emma)
    my_interest = StoryTargetFactory.create(dimension="interest", value="savings",
                                     story=StoryFactory.create(language="nl", published_at=now - timedelta(days=1))).story

    ids = [i["id"] for i in client_for(bank.emma).get("/api/v1/feed/").json()["results"]]

    assert ids == [my_interest.id, fresh.id, already_shared.id, old_other_language.id]


def test_feed_is_cursor_paginated_without_gaps_or_repeats(bank, client_for) -> None:
    stories = {StoryFactory.create().id for _ in range(7)}
    client = client_for(bank.emma)

    seen, url = [], "/api/v1/feed/?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [i["id"] for i in body["results"]]
        url = body["next"]

    assert sorted(seen) == sorted(stories) and len(seen) == 7


def test_feed_query_count_does_not_grow_with_the_page(bank, client_for) -> None:
    client = client_for(bank.emma)
    for _ in range(3):
        ShareFactory.create(story=StoryTargetFactory.create(dimension="language", value="nl").story, user=bank.emma)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/feed/").json()["results"]) == 3
    for _ in range(20):
        ShareFactory.create(story=StoryTargetFactory.create(dimension="language", value="nl").story, user=bank.emma)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/feed/?page_size=50").json()["results"]) == 23

    assert len(many) == len(few)
    assert len(few) <= 6  # auth user, profile, interests, teams, the page


def test_feed_needs_a_sign_in(api_client) -> None:
    assert api_client.get("/api/v1/feed/").status_code == 401


def test_the_feed_ranks_the_newest_stories_of_its_window(bank, client_for, settings) -> None:
    settings.RELAY_FEED_WINDOW = 3
    now = timezone.now()
    bank.emma.profile.interests.add(InterestFactory.create(slug="savings"))
    old_but_relevant = StoryTargetFactory.create(dimension="interest", value="savings",
                                          story=StoryFactory.create(published_at=now - timedelta(days=30))).story
    newest = [StoryFactory.create(published_at=now - timedelta(hours=h)) for h in (1, 2, 3)]
    StoryTargetFactory.create(story=newest[2], dimension="interest", value="savings")
    StoryTargetFactory.create(dimension="language", value="da", story=StoryFactory.create(published_at=now))  # not for emma

    client = client_for(bank.emma)
    ids = [i["id"] for i in client.get("/api/v1/feed/").json()["results"]]

    assert ids == [newest[2].id, newest[0].id, newest[1].id]  # the three newest for me, by relevance
    assert old_but_relevant.id not in ids
    assert client.get(f"/api/v1/stories/{old_but_relevant.id}/").json()["id"] == old_but_relevant.id


def test_several_values_of_one_dimension_are_alternatives(bank, client_for) -> None:
    two_teams = StoryTargetFactory.create(dimension="team", value=str(bank.sales_nl.id)).story
    StoryTargetFactory.create(story=two_teams, dimension="team", value=str(bank.support.id))
    somewhere = StoryTargetFactory.create(dimension="location", value="Aarhus").story  # emma has no such location

    sam = [i["id"] for i in client_for(bank.sam).get("/api/v1/feed/").json()["results"]]
    emma = [i["id"] for i in client_for(bank.emma).get("/api/v1/feed/").json()["results"]]

    assert two_teams.id in sam and two_teams.id not in emma
    assert somewhere.id not in sam and somewhere.id not in emma
