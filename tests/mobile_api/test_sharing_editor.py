"""Editors: stories and campaigns through the API (create, schedule, update, archive), figures,
CSV export; and that nobody else can."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.listening.models import Signal
from backend.sharing.models import Campaign, Story, StoryTarget
from notifications.models import Notification
from tests.factories import (
    ClickFactory,
    ShareFactory,
    SignalFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db

NEW_STORY = {
    "title": "Vi søger udviklere", "url": "https://bank.example/jobs/1", "language": "da", "type": "vacancy",
    "talking_points": ["Hybrid work"], "hashtags": ["jobs"],
    "suggested_texts": [{"channel": "linkedin", "language": "da", "text": "Kom og arbejd med os!"}],
    "audience": {"language": ["da"], "role": ["employee", "sales"]},
}


def test_editor_creates_schedules_and_the_story_publishes_to_its_audience(bank, client_for) -> None:
    editor = client_for(bank.mark)

    created = editor.post("/api/v1/stories/", NEW_STORY, format="json")
    story_id = created.json()["id"]
    in_feed_before = [i["id"] for i in client_for(bank.lars).get("/api/v1/feed/").json()["results"]]
    scheduled = editor.post(f"/api/v1/stories/{story_id}/schedule/", {}, format="json")

    assert created.status_code == 201
    assert created.json()["state"] == "draft"
    assert created.json()["audience"] == {"team": [], "role": ["employee", "sales"], "interest": [],
                                          "language": ["da"], "location": []}
    assert in_feed_before == []
    assert scheduled.json()["state"] == "published"
    assert [i["id"] for i in client_for(bank.lars).get("/api/v1/feed/").json()["results"]] == [story_id]
    assert client_for(bank.sofie).get("/api/v1/feed/").json()["results"] == []  # Danish, but support
    assert sorted(Notification.objects.filter(type="story.published").values_list("user_id", flat=True)) == \
        sorted([bank.lars.id, bank.rasmus.id])


def test_scheduling_in_the_future_and_updating(bank, client_for) -> None:
    editor = client_for(bank.mark)
    story_id = editor.post("/api/v1/stories/", NEW_STORY, format="json").json()["id"]
    later = (timezone.now() + timedelta(hours=3)).isoformat()

    scheduled = editor.post(f"/api/v1/stories/{story_id}/schedule/", {"publish_at": later}, format="json")
    updated = editor.patch(f"/api/v1/stories/{story_id}/", {"title": "Nyt job", "audience": {}}, format="json")
    bad = editor.patch(f"/api/v1/stories/{story_id}/", {"expires_at": timezone.now().isoformat()}, format="json")

    assert scheduled.json()["state"] == "scheduled"
    assert updated.json()["title"] == "Nyt job" and StoryTarget.objects.filter(story_id=story_id).count() == 0
    assert bad.status_code == 400 and "expires_at" in bad.json()["error"]["fields"]
    assert Notification.objects.filter(type="story.published").count() == 0


def test_archived_stories_leave_the_feed_and_cannot_change(bank, client_for) -> None:
    story = StoryFactory.create()
    editor = client_for(bank.mark)

    archived = editor.post(f"/api/v1/stories/{story.id}/archive/")
    patched = editor.patch(f"/api/v1/stories/{story.id}/", {"title": "x"}, format="json")

    assert archived.json()["state"] == "archived"
    assert patched.status_code == 409 and Story.objects.get().title == story.title
    assert client_for(bank.emma).get("/api/v1/feed/").json()["results"] == []


def test_employees_and_alumni_cannot_edit_stories_or_campaigns(bank, client_for) -> None:
    story = StoryFactory.create(for_alumni=True)

    for person in (bank.emma, bank.olga, bank.sam):
        client = client_for(person)
        assert client.post("/api/v1/stories/", NEW_STORY, format="json").status_code == 403
        assert client.get("/api/v1/stories/").status_code == 403
        assert client.patch(f"/api/v1/stories/{story.id}/", {"title": "x"}, format="json").status_code == 403
        assert client.post(f"/api/v1/stories/{story.id}/schedule/", {}, format="json").status_code == 403
        assert client.post(f"/api/v1/stories/{story.id}/archive/").status_code == 403
        assert client.post("/api/v1/campaigns/", {"name": "x", "goal": "reach"}, format="json").status_code == 403
        assert client.get("/api/v1/figures/sharing/").status_code == 403

    assert Story.objects.count() == 1 and Story.objects.get().title == story.title
    assert Campaign.objects.count() == 0


def test_readers_get_the_feed_view_of_a_story_editors_the_full_one(bank, client_for) -> None:
    story = StoryFactory.create()

    reader = client_for(bank.emma).get(f"/api/v1/stories/{story.id}/").json()
    editor = client_for(bank.mark).get(f"/api/v1/stories/{story.id}/").json()

    assert reader["id"] == story.id and "my_share_count" in reader and "state" not in reader
    assert editor["state"] == "published" and "audience" in editor


def test_campaign_with_kpis_and_progress(bank, client_for) -> None:
    editor = client_for(bank.mark)

    created = editor.post("/api/v1/campaigns/", {
        "name": "Green homes", "goal": "leads", "kpi_targets": {"shares": 4, "clicks": 10, "signals": 2},
        "starts_on": "2026-11-01", "ends_on": "2026-12-31",
    }, format="json")
    campaign = Campaign.objects.get()
    story = StoryFactory.create(campaign=campaign)
    share = ShareFactory.create(story=story, network_size=300)
    ClickFactory.create(share=share)
    ClickFactory.create(share=share, is_bot=True)
    SignalFactory.create(story_ref=story.id)
    detail = editor.get(f"/api/v1/campaigns/{campaign.id}/").json()
    bad_dates = editor.patch(f"/api/v1/campaigns/{campaign.id}/", {"ends_on": "2026-10-01"}, format="json")
    archived = editor.post(f"/api/v1/campaigns/{campaign.id}/archive/")

    assert created.status_code == 201 and created.json()["slug"] == "green-homes"
    assert detail["progress"] == [
        {"kpi": "clicks", "target": 10, "actual": 1, "progress": 0.1},
        {"kpi": "shares", "target": 4, "actual": 1, "progress": 0.25},
        {"kpi": "signals", "target": 2, "actual": 1, "progress": 0.5},
    ]
    assert bad_dates.status_code == 400
    assert archived.json()["archived_at"] is not None
    assert editor.get("/api/v1/campaigns/").json()["results"] == []
    assert Signal.objects.count() == 1


def test_sharing_figures_per_channel_and_csv(bank, client_for) -> None:
    story = StoryFactory.create(title="=cmd|' /C calc'!A0")
    a = ShareFactory.create(story=story, user=bank.emma, channel="linkedin", network_size=640)
    ShareFactory.create(story=story, user=bank.lars, channel="linkedin", network_size=100)
    b = ShareFactory.create(story=story, user=bank.lars, channel="x", network_size=50)
    ClickFactory.create(share=a, visitor_key="v1")
    ClickFactory.create(share=a, visitor_key="v1")
    ClickFactory.create(share=b, visitor_key="v2")
    ClickFactory.create(share=b, is_bot=True)
    editor = client_for(bank.mark)

    by_channel = editor.get("/api/v1/figures/sharing/?by=channel").json()
    export = editor.get("/api/v1/figures/sharing/export/?by=story")
    bad = editor.get("/api/v1/figures/sharing/?by=colour")

    assert by_channel == [
        {"key": "linkedin", "name": "linkedin", "shares": 2, "clicks": 2, "unique_visitors": 1,
         "estimated_reach": 740, "reactions": 0},
        {"key": "x", "name": "x", "shares": 1, "clicks": 1, "unique_visitors": 1, "estimated_reach": 50,
         "reactions": 0},
    ]
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows == [["story", "name", "shares", "clicks", "unique_visitors", "estimated_reach", "reactions"],
                    [str(story.id), "'=cmd|' /C calc'!A0", "3", "3", "2", "790", "0"]]
    assert bad.status_code == 400


def test_figures_per_team_and_week(bank, client_for) -> None:
    ShareFactory.create(user=bank.sam)
    ShareFactory.create(user=bank.rasmus)

    teams = client_for(bank.mark).get("/api/v1/figures/sharing/?by=team").json()
    weeks = client_for(bank.mark).get("/api/v1/figures/sharing/?by=week").json()

    assert {(r["name"], r["shares"]) for r in teams} == {("Sales NL", 1), ("Sales DK", 1)}
    assert [r["shares"] for r in weeks] == [2]


def test_my_figures_and_the_opt_in_leaderboard(bank, client_for) -> None:
    bank.emma.profile.leaderboard_opt_in = True
    bank.emma.profile.save()
    mine = ShareFactory.create(user=bank.emma, channel="linkedin", network_size=640)
    ShareFactory.create(user=bank.emma, channel="whatsapp", network_size=120)
    ShareFactory.create(user=bank.lars)  # lars did not opt in
    for key in ("a", "b", "b"):
        ClickFactory.create(share=mine, visitor_key=key)

    me = client_for(bank.emma).get("/api/v1/me/figures/").json()
    board = client_for(bank.lars).get("/api/v1/leaderboard/").json()

    assert me["headline"] == "Your 2 shares brought 3 visits."
    assert (me["shares"], me["clicks"], me["unique_visitors"], me["estimated_reach"]) == (2, 3, 2, 760)
    assert [c["channel"] for c in me["by_channel"]] == ["linkedin", "whatsapp"]
    assert [(r["user_id"], r["shares"], r["clicks"]) for r in board] == [(bank.emma.id, 2, 3)]
