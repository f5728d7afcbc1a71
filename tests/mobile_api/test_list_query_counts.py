"""Every list endpoint of the mobile API reads a page in a fixed number of statements: the count
with one item is pinned, and a page of 50 items costs exactly as many (no N+1).

Each item carries the relations its serializer shows (a campaign, an author, reviews, a contact,
notes meant for the submitter), so a missing select_related/prefetch_related makes the count grow.
The pinned counts include the request's own overhead (the JWT's person, with its profile); when a
change there moves them, every test here moves by the same amount.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from backend.listening.models import SignalEvent
from backend.sharing.models import DraftReview, Reaction
from notifications.models import Notification
from tests.factories import (
    CampaignFactory,
    MembershipFactory,
    ShareFactory,
    SignalContactFactory,
    SignalFactory,
    StoryDraftFactory,
    StoryFactory,
    StoryTargetFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

MANY = 50


def page(client: APIClient, url: str) -> tuple[int, int]:
    """(items on the page, statements it took) for one GET of a list endpoint."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    items = body["results"] if isinstance(body, dict) else body
    return len(items), len(captured)


def assert_constant(client: APIClient, url: str, add: Callable[[int], object], *, exact: int) -> None:
    """One item costs `exact` statements; 50 items on one page cost the same."""
    add(1)
    assert page(client, url) == (1, exact)
    add(MANY - 1)
    sep = "&" if "?" in url else "?"
    assert page(client, f"{url}{sep}page_size={MANY}") == (MANY, exact)


def test_feed(bank, client_for) -> None:
    campaign = CampaignFactory.create()

    def add(n: int) -> None:
        for _ in range(n):
            story = StoryTargetFactory.create(dimension="language", value="nl",
                                       story=StoryFactory.create(campaign=campaign)).story
            ShareFactory.create(story=story, user=bank.emma)
            Reaction.objects.create(story=story, user=bank.emma, kind="like")

    # the person (JWT); the reader's profile, interests and teams; the page with campaign, shares, likes
    assert_constant(client_for(bank.emma), "/api/v1/feed/", add, exact=5)


def test_queue_signals(bank, client_for) -> None:
    def add(n: int) -> None:
        for i in range(n):
            signal = SignalFactory.create(team=bank.sales_nl, assignee=bank.pieter if i % 2 else None,
                                   due_at=timezone.now() if i % 3 else None)
            SignalContactFactory.create(signal=signal)

    # the person (JWT); the queue (membership); the page with team, assignee and contact
    assert_constant(client_for(bank.sam), f"/api/v1/queues/{bank.sales_nl.id}/signals/", add, exact=3)


def test_my_signals(bank, client_for) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
            SignalEvent.objects.create(signal=signal, type="note", note="We called them back",
                                       visible_to_submitter=True)

    # the person (JWT); the page with its team; the notes meant for me (one prefetch)
    assert_constant(client_for(bank.emma), "/api/v1/signals/mine/", add, exact=3)


def test_notifications_inbox(client_for, employee) -> None:
    def add(n: int) -> None:
        Notification.objects.bulk_create(
            Notification(user=employee, type="signal.status", category="my_signals", title=f"Update {i}",
                         read_at=timezone.now() if i % 2 else None)
            for i in range(n))

    # the person (JWT); the page; the unread count
    assert_constant(client_for(employee), "/api/v1/notifications/", add, exact=3)


def test_drafts_of_an_employee(bank, client_for) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            draft = StoryDraftFactory.create(author=bank.emma, status="changes_requested")
            DraftReview.objects.create(draft=draft, reviewer=bank.mark, decision="request_changes",
                                       comment="A photo, please")

    # the person (JWT); the page with its authors; the reviews, their reviewers and the reviewers' profiles
    assert_constant(client_for(bank.emma), "/api/v1/drafts/", add, exact=5)


def test_drafts_review_queue_of_an_editor(bank, client_for) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            draft = StoryDraftFactory.create(status="submitted")
            DraftReview.objects.create(draft=draft, reviewer=bank.mark, decision="request_changes",
                                       comment="A photo, please")

    assert_constant(client_for(bank.mark), "/api/v1/drafts/?status=submitted", add, exact=5)


def test_stories_for_editors(bank, client_for) -> None:
    campaign = CampaignFactory.create()

    def add(n: int) -> None:
        for _ in range(n):
            story = StoryFactory.create(campaign=campaign, author=bank.emma)
            StoryTargetFactory.create(story=story, dimension="language", value="nl")
            StoryTargetFactory.create(story=story, dimension="team", value=str(bank.sales_nl.id))

    # the person (JWT); the page with campaign and author; the audience targets
    assert_constant(client_for(bank.mark), "/api/v1/stories/", add, exact=3)


def test_campaigns(bank, client_for) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            StoryFactory.create(campaign=CampaignFactory.create(owner=bank.mark))

    # the person (JWT); the page with owners and story counts
    assert_constant(client_for(bank.mark), "/api/v1/campaigns/", add, exact=2)


def test_queues(bank, client_for) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            MembershipFactory.create(user=bank.emma, team=TeamFactory.create())

    # the person (JWT); the teams (not paginated: a person works a handful of queues)
    assert_constant(client_for(bank.emma), "/api/v1/queues/", add, exact=2)
