"""Handling signals in the console: the same listening services as the API, seen from a desk."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.listening.models import Correction, Signal, SignalEvent
from tests.factories import SignalContactFactory, SignalFactory

pytestmark = pytest.mark.django_db


def rows(html: str, section: str) -> list[int]:
    """Signal ids in one section of the queue list, in page order."""
    import re

    start = html.find(f'id="{section}"')
    if start < 0:
        return []
    end = html.find("</ul>", start)
    return [int(n) for n in re.findall(r'id="signal-(\d+)"', html[start:end])]


def test_the_queue_puts_overdue_then_urgent_first_and_splits_mine_from_waiting(bank, browser_for) -> None:
    now = timezone.now()
    old = SignalFactory.create(team=bank.support, kind="complaint")
    urgent = SignalFactory.create(team=bank.support, kind="complaint", urgent=True, due_at=now + timedelta(hours=3))
    overdue = SignalFactory.create(team=bank.support, kind="complaint", due_at=now - timedelta(hours=1))
    later = SignalFactory.create(team=bank.support, kind="complaint", due_at=now + timedelta(days=2))
    mine = SignalFactory.create(team=bank.support, kind="complaint", assignee=bank.sofie)
    SignalFactory.create(team=bank.support, kind="complaint", status="resolved", closed_at=now)  # closed: not shown

    html = browser_for(bank.sofie).get(reverse("console:queue", args=[bank.support.pk])).content.decode()

    assert rows(html, "waiting") == [overdue.pk, urgent.pk, later.pk, old.pk]
    assert rows(html, "mine") == [mine.pk]


def test_the_queue_shows_the_time_left_and_an_unclaimed_signal_past_its_claim_time_first(bank, browser_for) -> None:
    now = timezone.now()
    fresh = SignalFactory.create(team=bank.support, kind="complaint", claim_due_at=now + timedelta(hours=2, minutes=10),
                                 due_at=now + timedelta(days=2))
    late = SignalFactory.create(team=bank.support, kind="complaint", claim_due_at=now - timedelta(minutes=35),
                                due_at=now + timedelta(days=2))
    SignalFactory.create(team=bank.sales_nl, kind="lead", claim_due_at=now - timedelta(hours=5))  # another team's

    html = browser_for(bank.sofie).get(reverse("console:queue", args=[bank.support.pk]),
                                       HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert rows(html, "waiting") == [late.pk, fresh.pk]
    # Unclaimed, the count is to the claim deadline, and says so: beside "due <the resolution's
    # date>" a bare "2 h 10 min left" read as the time left to resolve it.
    assert "claim overdue by 35 min" in html and "claim within 2 h 10 min" in html
    assert "overdue by 5 h" not in html


def test_a_claimed_signal_counts_down_to_its_resolution(bank, browser_for) -> None:
    now = timezone.now()
    SignalFactory.create(team=bank.support, kind="complaint", assignee=bank.sofie, status="claimed",
                         claim_due_at=now - timedelta(hours=1), due_at=now + timedelta(hours=3, minutes=5))

    html = browser_for(bank.sofie).get(reverse("console:queue", args=[bank.support.pk]),
                                       HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert re.findall(r"data-sla>([^<]*)<", html) == ["3 h 5 min left"]


def test_a_colleagues_signal_is_hidden_unless_asked_for(bank, browser_for) -> None:
    taken = SignalFactory.create(team=bank.sales_nl, assignee=bank.pieter, status="claimed")
    client = browser_for(bank.sam)

    default = client.get(reverse("console:queue-list", args=[bank.sales_nl.pk])).content.decode()
    everything = client.get(reverse("console:queue-list", args=[bank.sales_nl.pk]) + "?show=all").content.decode()

    assert f'id="signal-{taken.pk}"' not in default and "1 more is with a colleague" in default
    assert rows(everything, "others") == [taken.pk]


def test_the_queue_list_costs_the_same_number_of_queries_for_1_or_20_signals(
    bank, browser_for, django_assert_max_num_queries
) -> None:
    client = browser_for(bank.sam)
    url = reverse("console:queue-list", args=[bank.sales_nl.pk])
    SignalContactFactory.create(signal=SignalFactory.create(team=bank.sales_nl))
    client.get(url)  # warm the session

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(19):
        SignalContactFactory.create(signal=SignalFactory.create(team=bank.sales_nl, assignee=bank.pieter))
    with CaptureQueriesContext(connection) as twenty:
        assert client.get(url).status_code == 200

    assert len(twenty) == len(one)


def test_claim_then_transition_with_a_note_for_the_submitter(bank, browser_for) -> None:
    lead = SignalFactory.create(submitter=bank.emma, team=bank.sales_nl)
    client = browser_for(bank.sam)

    claimed = client.post(reverse("console:signal-claim", args=[lead.pk]))
    moved = client.post(reverse("console:signal-transition", args=[lead.pk]),
                        {"to": "contacted", "note": "Called him, offer on Friday", "visible_to_submitter": "on"})

    assert claimed.status_code == moved.status_code == 302
    lead.refresh_from_db()
    assert (lead.assignee_id, lead.status) == (bank.sam.pk, "contacted")
    event = SignalEvent.objects.get(signal=lead, type="transition")
    assert (event.from_status, event.to_status, event.note, event.visible_to_submitter) == (
        "claimed", "contacted", "Called him, offer on Friday", True)
    page = client.get(reverse("console:signal", args=[lead.pk])).content.decode()
    assert "Called him, offer on Friday" in page


def test_a_second_claim_is_refused_with_who_has_it_and_changes_nothing(bank, browser_for) -> None:
    lead = SignalFactory.create(team=bank.sales_nl)
    browser_for(bank.pieter).post(reverse("console:signal-claim", args=[lead.pk]))
    sam = browser_for(bank.sam)

    response = sam.post(reverse("console:signal-claim", args=[lead.pk]), {"next": "/console/"}, follow=True)

    assert "has already claimed this signal" in response.content.decode()
    assert Signal.objects.get(pk=lead.pk).assignee_id == bank.pieter.pk
    assert SignalEvent.objects.filter(signal=lead, type="claimed").count() == 1


def test_winning_a_lead_without_a_reason_is_refused(bank, browser_for) -> None:
    lead = SignalFactory.create(team=bank.sales_nl, assignee=bank.sam, status="contacted")

    response = browser_for(bank.sam).post(reverse("console:signal-transition", args=[lead.pk]), {"to": "won"},
                                          follow=True)

    assert "Say why" in response.content.decode()
    assert Signal.objects.get(pk=lead.pk).status == "contacted"


def test_a_note_is_added_to_the_history(bank, browser_for) -> None:
    lead = SignalFactory.create(team=bank.sales_nl)

    browser_for(bank.sam).post(reverse("console:signal-note", args=[lead.pk]), {"text": "Voicemail left"})

    assert list(SignalEvent.objects.filter(signal=lead, type="note").values_list("note", "visible_to_submitter")) == [
        ("Voicemail left", False)]


def test_an_empty_note_is_a_form_error_and_changes_nothing(bank, browser_for) -> None:
    lead = SignalFactory.create(team=bank.sales_nl)

    response = browser_for(bank.sam).post(reverse("console:signal-note", args=[lead.pk]), {"text": ""})

    assert response.status_code == 400
    assert not SignalEvent.objects.filter(signal=lead).exists()


def test_rerouting_to_another_kind_and_team_is_recorded_as_a_correction(bank, browser_for) -> None:
    lead = SignalFactory.create(team=bank.sales_nl, text="Mijn pas is geblokkeerd")

    response = browser_for(bank.sam).post(reverse("console:signal-reroute", args=[lead.pk]),
                                          {"kind": "complaint", "team": str(bank.support.pk)})

    assert response.status_code == 302 and response["Location"] == reverse("console:home")  # no longer Sam's
    lead.refresh_from_db()
    assert (lead.kind, lead.team_id) == ("complaint", bank.support.pk)
    correction = Correction.objects.get(signal=lead)
    assert (correction.from_kind, correction.to_kind, correction.by_id) == ("lead", "complaint", bank.sam.pk)


def test_triage_shows_the_top_guesses_and_one_click_confirms(bank, browser_for) -> None:
    unsure = SignalFactory.create(team=bank.triage, in_triage=True, kind="lead", confidence=0.45,
                           scores={"lead": 0.45, "friend_discount": 0.4, "complaint": 0.1, "feedback": 0.05})
    client = browser_for(bank.triager)

    page = client.get(reverse("console:triage")).content.decode()
    confirmed = client.post(reverse("console:signal-reroute", args=[unsure.pk]),
                            {"kind": "lead", "next": reverse("console:triage")})

    assert page.index('data-kind="lead"') < page.index('data-kind="friend_discount"') < page.index(
        'data-kind="complaint"')
    assert 'data-kind="feedback"' not in page  # the top three only
    assert "45%" in page
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse("console:triage")
    unsure.refresh_from_db()
    assert (unsure.team_id, unsure.in_triage, unsure.kind) == (bank.sales_nl.pk, False, "lead")
    assert Correction.objects.filter(signal=unsure, from_kind="lead", to_kind="lead").count() == 1


def test_triage_corrects_to_another_guess(bank, browser_for) -> None:
    unsure = SignalFactory.create(team=bank.triage, in_triage=True, kind="lead", confidence=0.45,
                           scores={"lead": 0.45, "friend_discount": 0.4})

    browser_for(bank.triager).post(reverse("console:signal-reroute", args=[unsure.pk]),
                                   {"kind": "friend_discount", "next": reverse("console:triage")})

    unsure.refresh_from_db()
    assert (unsure.kind, unsure.team_id) == ("friend_discount", bank.sales_nl.pk)
    assert Correction.objects.get(signal=unsure).to_kind == "friend_discount"


def test_a_signal_in_triage_cannot_be_claimed_from_the_console(bank, browser_for) -> None:
    unsure = SignalFactory.create(team=bank.triage, in_triage=True)

    response = browser_for(bank.triager).post(reverse("console:signal-claim", args=[unsure.pk]), follow=True)

    assert "in triage" in response.content.decode()
    assert Signal.objects.get(pk=unsure.pk).assignee_id is None


def test_an_open_redirect_through_next_is_not_followed(bank, browser_for) -> None:
    lead = SignalFactory.create(team=bank.sales_nl)

    response = browser_for(bank.sam).post(reverse("console:signal-note", args=[lead.pk]),
                                          {"text": "x", "next": "https://evil.example/"})

    assert response["Location"] == reverse("console:signal", args=[lead.pk])


def test_a_refused_transition_stays_on_the_page_in_the_agents_language_with_what_was_typed(bank, browser_for) -> None:
    lead = SignalFactory.create(submitter=bank.emma, team=bank.sales_nl)
    client = browser_for(bank.sam, language="nl")
    client.post(reverse("console:signal-claim", args=[lead.pk]))

    refused = client.post(reverse("console:signal-transition", args=[lead.pk]),
                          {"to": "lost", "note": "", "visible_to_submitter": "on"})

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Zeg waarom als een lead lost wordt" in page
    assert 'value="lost" selected' in page and 'name="visible_to_submitter" id="transition_visible_to_submitter" checked' in page
    lead.refresh_from_db()
    assert lead.status == "claimed"
    assert not SignalEvent.objects.filter(signal=lead, type="transition").exists()

