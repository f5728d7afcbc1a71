"""Issue 15, items 4 (second half), 5 and 6: what a signal's words and links tell people who should
not learn them, and a re-route that took a claimed signal from its holder.

- Nothing that leaves the database (an FCM push, a websocket event) carries a signal's text or a
  note: kind, team and a short neutral title only. The editors' drill-down hides third persons' names.
- `duplicate_of` names a signal only to someone who may see it; a submitter learns at most "we
  already know about this", and only about their own earlier signal.
- Re-routing obeys the transition rule (holder, team lead, triage, admin) and keeps progress.
"""
from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from backend.listening import services
from backend.listening.models import Correction, Signal, SignalEvent
from notifications.models import LiveEvent, Notification
from tests.factories import SignalFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"

# Words that must never leave the database: a name, a number, words of the text, a note.
SECRET_WORDS = ("Henk", "hypotheek", "0612345678", "+31612345678", "Wolkenkrabber")
TEXT = "Mijn buurman Henk wil zijn hypotheek bij ons afsluiten, Wolkenkrabber 12, bel 0612345678"


def _leaving(notification_or_event: Notification | LiveEvent) -> str:
    """Everything of a row that travels: the FCM title, body and data, or the websocket payload."""
    if isinstance(notification_or_event, Notification):
        n = notification_or_event
        return json.dumps([n.title, n.body, n.data])
    return json.dumps(notification_or_event.payload)


def test_pushes_and_websocket_events_carry_no_words_of_the_signal(bank, client_for) -> None:
    # Given a lead with a name, an address and a number, passed on without consent
    created = client_for(bank.emma).post(URL, {"text": TEXT}, format="json")
    assert created.status_code == 201, created.content
    signal_id = created.json()["id"]
    # When the team claims it, writes to the submitter, moves it on and it nears its due time
    sam = client_for(bank.sam)
    assert sam.post(f"{URL}{signal_id}/claim/").status_code == 200
    assert sam.post(f"{URL}{signal_id}/notes/", {"text": "Henk gebeld over zijn hypotheek, 0612345678",
                                                 "visible_to_submitter": True}, format="json").status_code == 201
    assert sam.post(f"{URL}{signal_id}/transitions/", {"to": "contacted", "note": "Henk: hypotheek besproken",
                                                       "visible_to_submitter": True},
                    format="json").status_code == 200

    # Then every push and every live event names the kind and team at most, never the words
    rows: list[Notification | LiveEvent] = [*Notification.objects.all(), *LiveEvent.objects.all()]
    assert {n.type for n in Notification.objects.all()} >= {"signal.routed", "signal.status", "signal.note"}
    for row in rows:
        leaving = _leaving(row)
        assert not [w for w in SECRET_WORDS if w in leaving], (row, leaving)
    routed = Notification.objects.filter(type="signal.routed").first()
    # The title is in the recipient's language (Sam reads Dutch); the push body stays empty.
    assert routed is not None and routed.title == "Lead voor Sales NL" and routed.body == ""


def test_an_sla_escalation_carries_no_words_of_the_complaint(bank) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    SignalFactory.create(kind="complaint", team=bank.support, text=TEXT, urgent=True,
                         claim_due_at=now - timedelta(minutes=61), claim_escalate_at=now - timedelta(minutes=1))
    bank.support.memberships.filter(user=bank.sofie).update(is_lead=True)

    assert services.sla_escalate(now=now) == 3  # reminded, escalated, triage told

    alerts = Notification.objects.filter(type__in=["signal.escalated", "signal.overdue"])
    assert {a.type for a in alerts} == {"signal.escalated", "signal.overdue"}
    for alert in alerts:
        assert not [w for w in SECRET_WORDS if w in _leaving(alert)]


def test_the_insights_drill_down_hides_third_persons_names(bank) -> None:
    SignalFactory.create(kind="lead", team=bank.sales_nl, text=TEXT)
    SignalFactory.create(kind="lead", team=bank.sales_dk, text="min nabo søren vil gerne have et boliglån")
    editor = Client()
    editor.force_login(bank.mark)

    html = editor.get(reverse("console:insights-drill") + "?kind=lead").content.decode()

    assert "Henk" not in html and "søren" not in html and "0612345678" not in html
    assert "Mijn buurman [name] wil zijn hypotheek" in html


# --- duplicate_of is no oracle -------------------------------------------------------------------
def _submit(client, phone: str, text: str = "Mijn buurman wil zijn hypotheek oversluiten, kan iemand bellen?"):
    response = client.post(URL, {"text": text, "contact": {"phone": phone}, "contact_consent": True}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_another_employee_cannot_learn_that_a_number_was_reported(bank, client_for) -> None:
    # Given Emma reported a lead about a number
    first = _submit(client_for(bank.emma), "0612345678")
    # When Lars, and Sofie of support (who cannot see sales leads), submit a lead with that number
    for person in (bank.lars, bank.sofie):
        probe = _submit(client_for(person), "+31 6 1234 5678")
        # Then neither learns of Emma's signal, in the answer or anywhere they can read afterwards
        assert probe["duplicate_of"] is None
        assert probe["already_known"] is False
        later = client_for(person).get(f"{URL}{probe['id']}/").json()
        mine = client_for(person).get(f"{URL}mine/").json()["results"]
        assert "duplicate" not in json.dumps([later, mine])
    # ... while the link is kept for the team that handles both
    assert Signal.objects.filter(duplicate_of_id=first["id"]).count() == 2


def test_the_team_sees_the_link_only_to_signals_it_may_see(bank, client_for) -> None:
    first = _submit(client_for(bank.emma), "0612345678")
    second = _submit(client_for(bank.lars), "+31 6 12345678")
    # The first one moves to Sales DK, which Sam does not work in
    services.signal_reroute(signal_id=first["id"], by=bank.admin, team_id=bank.sales_dk.pk)

    detail = client_for(bank.sam).get(f"{URL}{second['id']}/").json()
    queue = client_for(bank.sam).get(f"/api/v1/queues/{bank.sales_nl.pk}/signals/").json()["results"]

    assert detail["duplicate_of"] is None
    assert [e["data"] for e in detail["history"] if e["type"] == "duplicate"] == [{}]
    assert [s["duplicate_of"] for s in queue if s["id"] == second["id"]] == [None]
    assert client_for(bank.rasmus).get(f"{URL}{first['id']}/").status_code == 200
    assert client_for(bank.admin).get(f"{URL}{second['id']}/").json()["duplicate_of"] == first["id"]


def test_the_submitter_hears_only_about_their_own_earlier_signal(bank, client_for) -> None:
    emma = client_for(bank.emma)
    first = _submit(emma, "0612345678")

    again = _submit(emma, "06 1234 5678")

    assert (again["already_known"], again["duplicate_of"]) == (True, first["id"])


# --- re-routing cannot steal a claimed signal ---------------------------------------------------------
def test_rerouting_twice_does_not_steal_a_claimed_lead(bank, client_for) -> None:
    # Given Pieter's lead, already contacted
    lead = SignalFactory.create(kind="lead", team=bank.sales_nl, status="contacted", assignee=bank.pieter)
    bank.sales_nl.memberships.filter(user=bank.pieter).update(is_lead=False)
    sam = client_for(bank.sam)

    # When Sam re-routes it away and back, then claims it
    away = sam.post(f"{URL}{lead.pk}/reroute/", {"kind": "friend_discount"}, format="json")
    claim = sam.post(f"{URL}{lead.pk}/claim/")

    # Then he is refused like a transition is, and nothing changed
    assert away.status_code == 409 and away.json()["error"]["code"] == "already_claimed"
    assert claim.status_code == 409
    lead.refresh_from_db()
    assert (lead.kind, lead.status, lead.assignee) == ("lead", "contacted", bank.pieter)
    assert not Correction.objects.exists()
    assert not SignalEvent.objects.filter(signal=lead, type="rerouted").exists()


@pytest.mark.parametrize("who", ["pieter", "lead_of_team", "admin"])
def test_the_holder_the_team_lead_and_an_admin_may_reroute_and_progress_is_kept(bank, client_for, who) -> None:
    lead = SignalFactory.create(kind="lead", team=bank.sales_nl, status="contacted", assignee=bank.pieter)
    bank.sales_nl.memberships.filter(user=bank.pieter).update(is_lead=False)
    actor = {"pieter": bank.pieter, "admin": bank.admin, "lead_of_team": bank.sam}[who]
    if who == "lead_of_team":
        bank.sales_nl.memberships.filter(user=bank.sam).update(is_lead=True)
    bank.sales_dk.memberships.create(user=bank.pieter)

    # Pieter works in both sales teams: the lead keeps its holder and its status on the way
    response = client_for(actor).post(f"{URL}{lead.pk}/reroute/", {"team": bank.sales_dk.pk}, format="json")

    assert response.status_code == 200, response.content
    lead.refresh_from_db()
    assert (lead.team, lead.status, lead.assignee) == (bank.sales_dk, "contacted", bank.pieter)
    event = SignalEvent.objects.get(signal=lead, type="rerouted")
    assert event.actor == actor
    assert event.data["kept_assignee"] is True and event.data["kept_status"] is True


def test_a_reroute_keeps_a_status_the_new_kind_knows_and_drops_what_it_cannot_keep(bank) -> None:
    complaint = SignalFactory.create(kind="complaint", team=bank.support, status="acknowledged",
                                     assignee=bank.sofie)

    services.signal_reroute(signal_id=complaint.pk, by=bank.sofie, kind="feedback", team_id=bank.marketing.pk)

    complaint.refresh_from_db()
    # Feedback knows "acknowledged"; Sofie is not in marketing, so the signal is free to claim there.
    assert (complaint.kind, complaint.status, complaint.assignee) == ("feedback", "acknowledged", None)
    assert SignalEvent.objects.get(signal=complaint, type="rerouted").actor == bank.sofie


def test_triage_may_reroute_what_is_in_triage(bank, client_for) -> None:
    signal = SignalFactory.create(kind="feedback", team=bank.triage, in_triage=True)

    response = client_for(bank.triager).post(f"{URL}{signal.pk}/reroute/", {"kind": "lead"}, format="json")

    assert response.status_code == 200
    assert SignalEvent.objects.get(signal=signal, type="rerouted").actor == bank.triager
