"""Races on a real PostgreSQL, each racer on its own connection: reviews, publishing, likes."""
from __future__ import annotations

from functools import partial

import pytest
from django.utils import timezone

from backend.core.errors import Conflict
from backend.sharing import services
from backend.sharing.models import DraftReview, Reaction, Story, StoryDraft
from notifications.models import Notification
from tests.backend.listening.test_concurrency import race
from tests.factories import StoryDraftFactory, StoryFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_editors_deciding_at_once_give_one_decision() -> None:
    draft = StoryDraftFactory.create()
    editors = [UserFactory.create(role="editor") for _ in range(4)]

    results = race([partial(services.draft_review, draft_id=draft.id, by=e, decision="approve") for e in editors])

    assert len([r for r in results if isinstance(r, StoryDraft)]) == 1, results
    assert len([r for r in results if isinstance(r, Conflict)]) == 3
    assert DraftReview.objects.count() == 1 and Story.objects.filter(author=draft.author).count() == 1
    assert Notification.objects.filter(type="draft.reviewed").count() == 1


def test_concurrent_publish_runs_notify_the_audience_once() -> None:
    story = StoryFactory.create(state="scheduled", publish_at=timezone.now(), published_at=None)
    UserFactory.create_batch(3)

    results = race([lambda: services.stories_publish_due() for _ in range(4)])

    assert sorted(results) == [0, 0, 0, 1]
    assert Notification.objects.filter(type="story.published", data__id=str(story.id)).count() == 4  # 3 + editor


def test_racing_likes_make_one_reaction() -> None:
    story = StoryFactory.create()
    user = UserFactory.create()

    results = race([lambda: services.reaction_add(story_id=story.id, by=user, kind="like") for _ in range(5)])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Reaction.objects.count() == 1 and sum(created for _, created in results) == 1
