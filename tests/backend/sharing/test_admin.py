"""The Django admin publishes through the same service as the API: the audience is told through
the outbox, scheduled stories wait for the beat, and the state is not a form field."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backend.sharing import selectors
from backend.sharing.models import Story, StoryState
from notifications.models import Notification
from tests.factories import StoryFactory, StoryTargetFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(bank) -> Client:
    staff = UserFactory.create(role="admin", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(staff)
    return browser


def act(browser: Client, action: str, *stories: Story):
    return browser.post("/admin/sharing/story/", {"action": action, "_selected_action": [s.pk for s in stories]})


def test_publishing_from_the_admin_tells_the_audience(bank, admin_browser) -> None:
    story = StoryTargetFactory.create(dimension="language", value="da",
                               story=StoryFactory.create(state=StoryState.DRAFT, published_at=None)).story

    response = act(admin_browser, "publish", story)

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED and story.published_at is not None
    told = set(Notification.objects.filter(type="story.published").values_list("user_id", flat=True))
    assert told == set(selectors.audience_user_ids(story=story))  # the Danish readers, nobody else
    assert {bank.lars.id, bank.rasmus.id} <= told and bank.emma.id not in told


def test_a_story_with_a_future_publish_time_is_scheduled_not_published(bank, admin_browser) -> None:
    later = timezone.now() + timedelta(hours=3)
    story = StoryFactory.create(state=StoryState.DRAFT, published_at=None, publish_at=later)

    act(admin_browser, "publish", story)

    story.refresh_from_db()
    assert (story.state, story.publish_at) == (StoryState.SCHEDULED, later)
    assert not Notification.objects.exists()


def test_an_archived_story_is_not_published_again_and_nobody_is_told(bank, admin_browser) -> None:
    archived = StoryFactory.create(state=StoryState.ARCHIVED)
    draft = StoryFactory.create(state=StoryState.DRAFT, published_at=None)

    act(admin_browser, "publish", archived, draft)

    archived.refresh_from_db()
    draft.refresh_from_db()
    assert (archived.state, draft.state) == (StoryState.ARCHIVED, StoryState.PUBLISHED)
    assert Notification.objects.filter(data__id=str(archived.id)).count() == 0


def test_archiving_from_the_admin(bank, admin_browser) -> None:
    story = StoryFactory.create()

    act(admin_browser, "archive", story)

    story.refresh_from_db()
    assert story.state == StoryState.ARCHIVED


def test_the_state_cannot_be_set_by_hand_in_the_change_form(bank, admin_browser) -> None:
    story = StoryFactory.create(state=StoryState.DRAFT, published_at=None, title="Oud")
    form = {"type": story.type, "language": story.language, "title": "Nieuw", "url": story.url,
            "state": "published", "versions": "{}", "talking_points": "[]", "suggested_texts": "[]",
            "suggested_comments": "[]", "hashtags": "[]",
            "targets-TOTAL_FORMS": "0", "targets-INITIAL_FORMS": "0"}

    response = admin_browser.post(f"/admin/sharing/story/{story.pk}/change/", form)

    assert response.status_code == 302, response.content[:2000]
    story.refresh_from_db()
    assert (story.title, story.state) == ("Nieuw", StoryState.DRAFT)
    assert not Notification.objects.exists()


def test_a_story_added_in_the_admin_is_a_draft_by_its_creator(bank, admin_browser) -> None:
    form = {"type": "news", "language": "nl", "title": "Vers", "url": "https://bank.example/vers",
            "versions": "{}", "talking_points": "[]", "suggested_texts": "[]", "suggested_comments": "[]",
            "hashtags": "[]", "targets-TOTAL_FORMS": "0", "targets-INITIAL_FORMS": "0"}

    assert admin_browser.post("/admin/sharing/story/add/", form).status_code == 302

    story = Story.objects.get(title="Vers")
    assert story.state == StoryState.DRAFT and story.created_by.is_staff
