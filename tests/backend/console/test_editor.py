"""Editors in the console: stories, audiences, scheduling, previews, campaigns, drafts, figures."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.insights import selectors as insights
from backend.sharing.models import Campaign, Story, StoryDraft, StoryTarget
from tests.factories import (
    CampaignFactory,
    ClickFactory,
    InterestFactory,
    ShareFactory,
    StoryDraftFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db


def story_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Groene hypotheek", "summary": "Nu met korting", "body": "", "url": "https://bank.example/groen",
        "image_url": "", "type": "product", "language": "nl", "talking_points": "Lagere rente\nVoor elk huis",
        "hashtags": "groen, #wonen", "campaign": "", "audience_location": "",
        "st0_channel": "linkedin", "st0_language": "nl", "st0_text": "Trots op onze groene hypotheek!",
        "st1_channel": "", "st1_language": "", "st1_text": "", "st2_channel": "", "st2_language": "", "st2_text": "",
    }
    data.update(overrides)
    return data


def test_an_editor_creates_a_targeted_story_in_the_draft_state(bank, browser_for) -> None:
    InterestFactory.create(slug="mortgages", name="Mortgages")
    campaign = CampaignFactory.create(owner=bank.mark)

    response = browser_for(bank.mark).post(reverse("console:story-new"), story_form(
        campaign=str(campaign.pk), audience_team=[str(bank.sales_nl.pk)], audience_interest=["mortgages"],
        audience_language=["nl"], audience_location="Utrecht, Amsterdam"))

    story = Story.objects.get(title="Groene hypotheek")
    assert response.status_code == 302 and response["Location"] == reverse("console:story", args=[story.pk])
    assert (story.state, story.created_by_id, story.campaign_id) == ("draft", bank.mark.pk, campaign.pk)
    assert story.talking_points == ["Lagere rente", "Voor elk huis"]
    assert story.hashtags == ["#groen", "#wonen"]
    assert story.suggested_texts == [{"channel": "linkedin", "language": "nl", "text": "Trots op onze groene hypotheek!"}]
    assert sorted(StoryTarget.objects.filter(story=story).values_list("dimension", "value")) == [
        ("interest", "mortgages"), ("language", "nl"), ("location", "Amsterdam"), ("location", "Utrecht"),
        ("team", str(bank.sales_nl.pk))]


def test_a_half_filled_suggested_text_is_a_form_error_and_creates_nothing(bank, browser_for) -> None:
    response = browser_for(bank.mark).post(reverse("console:story-new"), story_form(st0_channel=""))

    assert response.status_code == 400
    assert "needs a channel" in response.content.decode()
    assert not Story.objects.exists()


def test_the_story_page_previews_each_share_text_with_hashtags_and_a_tracked_link(bank, browser_for) -> None:
    story = StoryFactory.create(created_by=bank.mark, state="draft", hashtags=["#groen"],
                         suggested_texts=[{"channel": "x", "language": "nl", "text": "Kijk hier"}])

    html = browser_for(bank.mark).get(reverse("console:story", args=[story.pk])).content.decode()

    assert "Kijk hier #groen" in html
    assert "http://testserver/s/AbCd1234" in html


def test_scheduling_now_publishes_and_later_schedules(bank, browser_for) -> None:
    now_story = StoryFactory.create(created_by=bank.mark, state="draft", published_at=None)
    later_story = StoryFactory.create(created_by=bank.mark, state="draft", published_at=None)
    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client = browser_for(bank.mark)

    client.post(reverse("console:story-schedule", args=[now_story.pk]), {"publish_at": "", "expires_at": ""})
    client.post(reverse("console:story-schedule", args=[later_story.pk]), {"publish_at": later, "expires_at": ""})

    now_story.refresh_from_db()
    later_story.refresh_from_db()
    assert now_story.state == "published" and now_story.published_at is not None
    assert later_story.state == "scheduled" and timezone.localtime(later_story.publish_at).strftime(
        "%Y-%m-%dT%H:%M") == later


def test_an_expiry_before_publication_is_refused_with_the_services_message(bank, browser_for) -> None:
    story = StoryFactory.create(created_by=bank.mark, state="draft", published_at=None)
    start = timezone.localtime() + timedelta(days=2)

    response = browser_for(bank.mark).post(reverse("console:story-schedule", args=[story.pk]), {
        "publish_at": start.strftime("%Y-%m-%dT%H:%M"),
        "expires_at": (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}, follow=True)

    assert "must expire after it is published" in response.content.decode()
    assert Story.objects.get(pk=story.pk).state == "draft"


def test_archiving_a_story(bank, browser_for) -> None:
    story = StoryFactory.create(created_by=bank.mark)

    browser_for(bank.mark).post(reverse("console:story-archive", args=[story.pk]))

    assert Story.objects.get(pk=story.pk).state == "archived"


def test_editing_a_story_replaces_its_audience(bank, browser_for) -> None:
    story = StoryFactory.create(created_by=bank.mark, state="draft")
    StoryTarget.objects.create(story=story, dimension="language", value="da")

    browser_for(bank.mark).post(reverse("console:story", args=[story.pk]),
                                story_form(title="New title", audience_role=["sales"]))

    story.refresh_from_db()
    assert story.title == "New title"
    assert list(StoryTarget.objects.filter(story=story).values_list("dimension", "value")) == [("role", "sales")]


def test_an_editor_creates_and_updates_a_campaign_with_kpi_targets(bank, browser_for) -> None:
    client = browser_for(bank.mark)

    created = client.post(reverse("console:campaigns"), {"name": "Spring 2027", "goal": "leads", "description": "",
                                                        "kpi_shares": "50", "kpi_signals": "10"})
    campaign = Campaign.objects.get(name="Spring 2027")
    client.post(reverse("console:campaign", args=[campaign.pk]),
                {"name": "Spring 2027", "goal": "leads", "kpi_clicks": "900", "ends_on": "2027-05-31"})

    assert created.status_code == 302
    campaign.refresh_from_db()
    assert campaign.kpi_targets == {"clicks": 900} and str(campaign.ends_on) == "2027-05-31"
    assert campaign.owner_id == bank.mark.pk


def test_a_campaign_that_ends_before_it_starts_is_refused(bank, browser_for) -> None:
    response = browser_for(bank.mark).post(reverse("console:campaigns"), {
        "name": "Backwards", "goal": "reach", "starts_on": "2027-05-01", "ends_on": "2027-04-01"})

    assert response.status_code == 400
    assert "Must not be before starts_on" in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_campaign_page_shows_progress_as_an_svg_chart(bank, browser_for) -> None:
    campaign = CampaignFactory.create(owner=bank.mark, kpi_targets={"shares": 4})
    story = StoryFactory.create(created_by=bank.mark, campaign=campaign)
    ShareFactory.create(story=story, user=bank.emma)

    html = browser_for(bank.mark).get(reverse("console:campaign", args=[campaign.pk])).content.decode()

    assert '<svg class="chart" role="img"' in html
    assert "shares: 25" in html  # 1 of 4, in the chart's description


def test_approving_a_draft_makes_a_story_crediting_the_author(bank, browser_for) -> None:
    draft = StoryDraftFactory.create(author=bank.emma, title="Marathon")
    client = browser_for(bank.mark)
    inbox = client.get(reverse("console:drafts")).content.decode()

    response = client.post(reverse("console:draft-review", args=[draft.pk]), {f"d{draft.pk}-decision": "approve"})

    draft.refresh_from_db()
    assert "Marathon" in inbox
    assert draft.status == "approved" and draft.story is not None and draft.story.author_id == bank.emma.pk
    assert response["Location"] == reverse("console:story", args=[draft.story_id])


def test_declining_a_draft_needs_a_comment(bank, browser_for) -> None:
    draft = StoryDraftFactory.create(author=bank.emma)

    response = browser_for(bank.mark).post(reverse("console:draft-review", args=[draft.pk]),
                                           {f"d{draft.pk}-decision": "decline"}, follow=True)

    assert "Tell the author why" in response.content.decode()
    assert StoryDraft.objects.get(pk=draft.pk).status == "submitted"


def test_figures_per_channel_have_charts_and_the_csv_is_the_insights_export(bank, browser_for) -> None:
    story = StoryFactory.create(created_by=bank.mark)
    ClickFactory.create(share=ShareFactory.create(story=story, user=bank.emma, channel="linkedin"))
    ShareFactory.create(story=story, user=bank.lars, channel="x")
    client = browser_for(bank.mark)

    page = client.get(reverse("console:figures") + "?by=channel").content.decode()
    export = client.get(reverse("console:figures-export") + "?by=channel")

    assert page.count('<svg class="chart"') == 2
    assert "linkedin: 1; x: 0" in page  # the clicks chart's description
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert export.content.decode() == insights.sharing_figures_csv(by="channel")
    assert export.content.decode().splitlines()[1:] == ["linkedin,linkedin,1,1,1,100,0", "x,x,1,0,0,100,0"]


def test_an_unknown_grouping_falls_back_to_campaigns(bank, browser_for) -> None:
    export = browser_for(bank.mark).get(reverse("console:figures-export") + "?by=evil")

    assert export.content.decode().splitlines()[0].startswith("campaign,")
