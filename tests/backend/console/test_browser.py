"""End to end in headless Chromium: a lead submitted through the API appears live on two sales
agents' queue pages; one claims it and it vanishes from the other's page, without a reload.
Plus a screenshot of every main page, each checked for labelled controls and no sideways scroll."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
import pytest

from backend.listening.models import Signal
from tests.backend.console.browser import browser_context, sign_in
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

LEAD = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen? 06-12345678"


def api_token(base: str, email: str) -> str:
    response = httpx.post(f"{base}/api/v1/auth/token/", json={"email": email, "password": DEFAULT_PASSWORD})
    response.raise_for_status()
    return response.json()["access"]


def test_a_new_lead_appears_live_and_vanishes_for_the_other_agent_when_claimed(
    bank, server, playwright, tmp_path
) -> None:
    queue_path = f"/console/queues/{bank.sales_nl.pk}/"
    with browser_context(playwright, tmp_path / "sam") as sam_ctx, \
            browser_context(playwright, tmp_path / "pieter") as pieter_ctx:
        sam, pieter = sam_ctx.new_page(), pieter_ctx.new_page()
        errors: list[str] = []
        for page in (sam, pieter):
            page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(sam, server, bank.sam.email, DEFAULT_PASSWORD, queue_path)
        sign_in(pieter, server, bank.pieter.email, DEFAULT_PASSWORD, queue_path)
        for page in (sam, pieter):
            page.wait_for_selector('body[data-live="connected"]')
            assert page.locator("#waiting li").count() == 0

        # when: an employee passes on a lead through the mobile API
        submitted = httpx.post(
            f"{server}/api/v1/signals/",
            json={"text": LEAD, "kind": "lead", "contact": {"name": "Piet Jansen", "phone": "06-12345678"},
                  "contact_consent": True},
            headers={"Authorization": f"Bearer {api_token(server, bank.emma.email)}",
                     "Idempotency-Key": str(uuid.uuid4())},
        )
        assert submitted.status_code == 201, submitted.text
        signal_id = submitted.json()["id"]
        row = f"#waiting #signal-{signal_id}"

        # then: both agents see it without a reload, contact included (they are the handling team)
        for page in (sam, pieter):
            page.wait_for_selector(row)
            assert "Piet Jansen" in page.locator(row).inner_text()
        sam.screenshot(path=str(tmp_path / "queue-live.png"), full_page=True)

        # when: Sam claims it with the keyboard
        sam.locator(f"{row} button").focus()
        sam.keyboard.press("Enter")
        sam.wait_for_url(f"{server}/console/signals/{signal_id}/")

        # then: it is Sam's (told in Dutch, his app language), and it vanishes from Pieter's page by itself
        assert "Je hebt het" in sam.locator(".messages").inner_text()
        pieter.wait_for_selector(f"#signal-{signal_id}", state="detached")
        assert pieter.locator("#waiting li").count() == 0
        assert "Nog 1 ligt bij een collega" in pieter.locator("#queue-list").inner_text()
        assert Signal.objects.get(pk=signal_id).assignee_id == bank.sam.pk

        # and back on Sam's queue page it is under "Mine"
        sam.goto(f"{server}{queue_path}")
        sam.wait_for_selector(f"#mine #signal-{signal_id}")
        assert errors == []


SCREENSHOT_DIR = os.environ.get("RELAY_SCREENSHOT_DIR", "")

CONTROLS_WITHOUT_LABEL = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""


@pytest.fixture
def demo_pages(bank):
    """Something on every page, made before the browser starts (its event loop would stop the
    services from publishing live events from this thread)."""
    from backend.listening import services as listening
    from tests.factories import CampaignFactory, ClickFactory, ShareFactory, StoryDraftFactory, StoryFactory

    lead = listening.signal_submit(submitter=bank.emma, text=LEAD, kind="lead",
                                   contact={"name": "Piet Jansen", "phone": "06-12345678"},
                                   contact_consent=True).signal
    listening.signal_submit(submitter=bank.lars, text="Mit kort er blevet stjålet, hjælp!", kind="complaint")
    listening.signal_submit(submitter=bank.lars, text="hej", kind=None)
    campaign = CampaignFactory.create(owner=bank.mark, name="Spring mortgages", kpi_targets={"shares": 20, "clicks": 200})
    story = StoryFactory.create(created_by=bank.mark, campaign=campaign, title="Our new green mortgage",
                         hashtags=["#groen"])
    for n in range(3):
        ClickFactory.create(share=ShareFactory.create(story=story, user=bank.emma, channel=["linkedin", "x", "whatsapp"][n]))
    StoryDraftFactory.create(author=bank.emma, title="Our team ran the city marathon")
    return {
        "queue": f"/console/queues/{bank.sales_nl.pk}/", "signal": f"/console/signals/{lead.pk}/",
        "triage": "/console/triage/", "stories": "/console/stories/", "story": f"/console/stories/{story.pk}/",
        "campaign": f"/console/campaigns/{campaign.pk}/", "drafts": "/console/drafts/",
        "figures": "/console/figures/?by=channel", "insights": "/console/insights/",
    }


def test_screenshots_of_the_main_pages(bank, demo_pages, server, playwright, tmp_path) -> None:
    """Every main page renders in the browser with no script error, no unlabelled form control and
    no sideways scrolling on a laptop screen; the screenshots are kept for a person to look at."""
    pages = demo_pages
    out = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    with browser_context(playwright, tmp_path / "admin") as ctx:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, server, bank.admin.email, DEFAULT_PASSWORD, "/console/")
        for name, path in pages.items():
            response = page.goto(f"{server}{path}")
            assert response is not None and response.status == 200, (name, response and response.status)
            page.wait_for_load_state("networkidle")
            assert page.locator("h1").count() == 1, name
            assert page.evaluate(CONTROLS_WITHOUT_LABEL) == [], name
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        assert errors == []
