"""The demo stories, campaign and guidelines load idempotently and push nothing."""
from __future__ import annotations

import pytest
from django.core.management import call_command

from backend.sharing.demo import GUIDELINES_TEXT, GUIDELINES_TRANSLATIONS, STORIES
from backend.sharing.models import Campaign, Guidelines, Story, StoryTarget
from nlp.language import detect_language
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "stories": sorted(Story.objects.values_list("title", "state", "campaign__slug", "for_alumni")),
        "targets": sorted(StoryTarget.objects.values_list("story__title", "dimension", "value")),
        "campaigns": sorted(Campaign.objects.values_list("slug", "goal", "owner__email")),
        "guidelines": sorted(Guidelines.objects.values_list("version", flat=True)),
    }


def test_demo_sharing_loads_twice_to_the_same_data(settings) -> None:
    settings.DEBUG = True
    call_command("load_demo")
    first = snapshot()

    call_command("load_demo")

    assert snapshot() == first
    assert len(first["stories"]) == 3 and {s[1] for s in first["stories"]} == {"published"}
    assert first["campaigns"] == [("green-homes-2026", "leads", "mark@relay.demo")]
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s["url"].rsplit("/", 1)[-1])
def test_each_demo_story_is_written_in_the_language_it_is_tagged_with(story) -> None:
    versions = {story["language"]: story, **story["versions"]}

    for language, version in versions.items():
        text = " ".join([version["title"], version["summary"], *version["talking_points"]])
        assert detect_language(text) == language, (language, text)


def test_the_demo_guidelines_are_translated_into_the_language_of_each_version() -> None:
    assert {language: detect_language(text) for language, text in GUIDELINES_TRANSLATIONS.items()} == {
        "nl": "nl", "da": "da"}
    assert detect_language(GUIDELINES_TEXT) == "en"
