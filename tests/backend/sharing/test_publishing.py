"""Audience targeting, scheduled publishing (with the audience notified once, through the outbox)
and expiry."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.core.errors import Conflict
from backend.sharing import selectors, services
from backend.sharing.models import Story, StoryState
from notifications.models import Category, Notification, Preference, PushState, QuietHours
from tests.factories import InterestFactory, MembershipFactory, StoryFactory, StoryTargetFactory, UserFactory

pytestmark = pytest.mark.django_db


def feed_ids(user) -> list[int]:
    return sorted(selectors.feed_for_user(user=user).values_list("pk", flat=True))


def test_audience_dimensions_must_all_match_and_empty_means_everyone(bank) -> None:
    for_all = StoryFactory.create()
    danish = StoryTargetFactory.create(dimension="language", value="da").story
    sales_nl = StoryTargetFactory.create(dimension="team", value=str(bank.sales_nl.id)).story
    dutch_sales = StoryTargetFactory.create(dimension="language", value="nl").story
    StoryTargetFactory.create(story=dutch_sales, dimension="role", value="sales")

    assert feed_ids(bank.emma) == [for_all.id]  # Dutch, but not in sales
    assert feed_ids(bank.sam) == sorted([for_all.id, sales_nl.id, dutch_sales.id])
    assert feed_ids(bank.lars) == sorted([for_all.id, danish.id])
    assert feed_ids(bank.rasmus) == sorted([for_all.id, danish.id])


def test_interests_and_other_languages_target_readers(bank) -> None:
    mortgages = InterestFactory.create(slug="mortgages")
    bank.emma.profile.interests.add(mortgages)
    bank.emma.profile.other_languages = ["da"]
    bank.emma.profile.save()
    story = StoryTargetFactory.create(dimension="interest", value="mortgages").story
    StoryTargetFactory.create(story=story, dimension="language", value="da")

    assert feed_ids(bank.emma) == [story.id]
    assert feed_ids(bank.lars) == []
    assert selectors.audience_user_ids(story=story) == [bank.emma.id]


def test_alumni_see_only_stories_flagged_for_them(bank) -> None:
    StoryFactory.create(for_alumni=False)
    for_alumni = StoryFactory.create(for_alumni=True)

    assert feed_ids(bank.olga) == [for_alumni.id]
    assert bank.olga.id not in selectors.audience_user_ids(story=StoryFactory.create(for_alumni=False))
    assert bank.olga.id in selectors.audience_user_ids(story=for_alumni)


def test_feed_and_notification_audience_agree(bank) -> None:
    story = StoryTargetFactory.create(dimension="team", value=str(bank.support.id)).story
    MembershipFactory.create(team=bank.support, user=bank.emma)

    audience = selectors.audience_user_ids(story=story)

    everyone = [bank.emma, bank.lars, bank.sam, bank.pieter, bank.rasmus, bank.sofie, bank.rita, bank.mark,
                bank.olga, bank.admin, bank.triager]
    assert audience == sorted(u.id for u in everyone if story.id in feed_ids(u))
    assert audience == sorted([bank.emma.id, bank.sofie.id])


def test_draft_scheduled_and_expired_stories_are_not_in_the_feed(bank) -> None:
    now = timezone.now()
    StoryFactory.create(state="draft", published_at=None)
    StoryFactory.create(state="scheduled", published_at=None, publish_at=now + timedelta(hours=1))
    StoryFactory.create(expires_at=now - timedelta(seconds=1))  # past its time, even before the beat marks it
    StoryFactory.create(state="archived")
    live = StoryFactory.create(expires_at=now + timedelta(days=1))

    assert feed_ids(bank.emma) == [live.id]


def test_scheduled_story_publishes_itself_and_notifies_its_audience_once(bank, django_capture_on_commit_callbacks) -> None:
    now = timezone.now()
    story = StoryFactory.create(state="draft", published_at=None)
    StoryTargetFactory.create(story=story, dimension="language", value="da")
    services.story_schedule(story_id=story.id, publish_at=now + timedelta(minutes=30), now=now)

    early = services.stories_publish_due(now=now + timedelta(minutes=29))
    with django_capture_on_commit_callbacks():
        on_time = services.stories_publish_due(now=now + timedelta(minutes=31))
    again = services.stories_publish_due(now=now + timedelta(minutes=32))

    story.refresh_from_db()
    assert (early, on_time, again) == (0, 1, 0)
    assert story.state == StoryState.PUBLISHED
    notes = Notification.objects.filter(type="story.published")
    assert sorted(notes.values_list("user_id", flat=True)) == sorted([bank.lars.id, bank.rasmus.id, bank.sofie.id])
    assert {(n.category, n.data["id"]) for n in notes} == {("new_stories", str(story.id))}


def test_story_notifications_respect_the_daily_cap(bank) -> None:
    QuietHours.objects.create(user=bank.lars, enabled=False, daily_story_cap=1)
    first, second = StoryFactory.create(state="draft"), StoryFactory.create(state="draft")
    for story in (first, second):
        StoryTargetFactory.create(story=story, dimension="language", value="da")
        services.story_schedule(story_id=story.id)

    states = list(Notification.objects.filter(user=bank.lars, type="story.published").order_by("id")
                  .values_list("push_state", flat=True))
    assert states[1] == PushState.SUPPRESSED and states[0] != PushState.SUPPRESSED


def test_story_notifications_respect_the_new_stories_preference(bank) -> None:
    Preference.objects.create(user=bank.lars, category=Category.NEW_STORIES, push=False)
    story = StoryTargetFactory.create(dimension="language", value="da", story=StoryFactory.create(state="draft")).story

    services.story_schedule(story_id=story.id)

    states = dict(Notification.objects.filter(type="story.published").values_list("user_id", "push_state"))
    assert states[bank.lars.id] == PushState.SUPPRESSED  # in the inbox, not pushed
    assert states[bank.rasmus.id] != PushState.SUPPRESSED


def test_inactive_people_are_not_told(bank) -> None:
    bank.rasmus.is_active = False
    bank.rasmus.save(update_fields=["is_active"])
    story = StoryTargetFactory.create(dimension="language", value="da", story=StoryFactory.create(state="draft")).story

    services.story_schedule(story_id=story.id)

    told = set(Notification.objects.filter(type="story.published").values_list("user_id", flat=True))
    assert bank.lars.id in told and bank.rasmus.id not in told


def test_publishing_now_and_expiry(bank) -> None:
    now = timezone.now()
    story = StoryFactory.create(state="draft", published_at=None)

    services.story_schedule(story_id=story.id, expires_at=now + timedelta(hours=2), now=now)
    expired = services.stories_expire_due(now=now + timedelta(hours=3))

    story.refresh_from_db()
    assert expired == 1 and story.state == StoryState.EXPIRED and story.published_at == now


def test_a_published_or_archived_story_cannot_be_scheduled_again(bank) -> None:
    story = StoryFactory.create()
    before = Notification.objects.count()

    with pytest.raises(Conflict):
        services.story_schedule(story_id=story.id)

    assert Notification.objects.count() == before
    services.story_archive(story_id=story.id)
    with pytest.raises(Conflict):
        services.story_archive(story_id=story.id)
    assert Story.objects.get(pk=story.id).state == StoryState.ARCHIVED


def test_old_click_salts_are_forgotten() -> None:
    today = timezone.localdate()
    services.daily_salt(day=today)
    services.daily_salt(day=today - timedelta(days=3))

    assert services.salts_purge_old() == 1
    assert services.daily_salt(day=today) == services.daily_salt(day=today)


def test_a_person_with_no_profile_still_gets_a_feed(db) -> None:
    user = UserFactory.build(role="employee")
    user.save()
    story = StoryFactory.create()

    assert feed_ids(user) == [story.id]


def test_the_beat_schedule_names_real_tasks(settings) -> None:
    from backend.celery import app

    app.loader.import_default_modules()
    names = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"sharing.stories_publish_due", "sharing.stories_expire_due", "sharing.salts_purge_old"} <= names
    assert names <= set(app.tasks)


def test_each_reader_is_told_of_a_story_in_their_language_version(bank) -> None:
    # given an English draft story with a Dutch version and no Danish one
    story = StoryFactory.create(
        state=StoryState.DRAFT, published_at=None,
        language="en", title="Our new savings account", summary="Interest from the first euro.",
        versions={"nl": {"title": "Onze nieuwe spaarrekening", "summary": "Rente vanaf de eerste euro."}},
    )

    # when it is published
    services.story_schedule(story_id=story.id)

    # then Emma (nl) reads the Dutch version and Lars (da) the main one
    titles = dict(Notification.objects.filter(type="story.published").values_list("user_id", "title"))
    bodies = dict(Notification.objects.filter(type="story.published").values_list("user_id", "body"))
    assert titles[bank.emma.id] == "Onze nieuwe spaarrekening"
    assert bodies[bank.emma.id] == "Rente vanaf de eerste euro."
    assert titles[bank.lars.id] == "Our new savings account"
    assert bodies[bank.lars.id] == "Interest from the first euro."
