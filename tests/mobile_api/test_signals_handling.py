"""Queues, claims, lifecycles, notes, re-routes, withdrawals and reporting back to the submitter."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.listening import lifecycle
from backend.listening.models import Correction, Signal, SignalEvent
from tests.factories import SignalContactFactory, SignalFactory

pytestmark = pytest.mark.django_db


def claim(client, signal_id):
    return client.post(f"/api/v1/signals/{signal_id}/claim/")


def transition(client, signal_id, to, note="", visible=False):
    return client.post(
        f"/api/v1/signals/{signal_id}/transitions/",
        {"to": to, "note": note, "visible_to_submitter": visible}, format="json",
    )


# --- queues ---------------------------------------------------------------------------------------
def test_queues_list_only_my_teams(bank, client_for) -> None:
    sam = client_for(bank.sam).get("/api/v1/queues/").json()
    admin = client_for(bank.admin).get("/api/v1/queues/").json()
    emma = client_for(bank.emma).get("/api/v1/queues/").json()

    assert sam == [{"id": bank.sales_nl.id, "name": "Sales NL", "kind": "sales", "is_triage": False}]
    assert [q["kind"] for q in admin][0] == "triage"
    assert len(admin) == 6
    assert emma == []


def test_queue_orders_urgent_first_then_due_time_then_age(bank, client_for) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    old = SignalFactory.create(team=bank.support, kind="complaint", due_at=now + timedelta(days=2))
    later_due = SignalFactory.create(team=bank.support, kind="complaint", due_at=now + timedelta(days=3))
    urgent = SignalFactory.create(team=bank.support, kind="complaint", urgent=True, due_at=now + timedelta(hours=4))
    feedback_no_due = SignalFactory.create(team=bank.support, kind="feedback")
    SignalFactory.create(team=bank.support, kind="complaint", status="resolved", closed_at=now)  # closed: hidden

    body = client_for(bank.sofie).get(f"/api/v1/queues/{bank.support.id}/signals/").json()

    assert [s["id"] for s in body["results"]] == [urgent.id, old.id, later_due.id, feedback_no_due.id]


def test_queue_filters(bank, client_for) -> None:
    mine = SignalFactory.create(team=bank.sales_nl, assignee=bank.sam, status="claimed")
    SignalFactory.create(team=bank.sales_nl, language="da")
    free = SignalFactory.create(team=bank.sales_nl)
    client = client_for(bank.sam)
    url = f"/api/v1/queues/{bank.sales_nl.id}/signals/"

    assert [s["id"] for s in client.get(url, {"assignee": "me"}).json()["results"]] == [mine.id]
    assert {s["id"] for s in client.get(url, {"assignee": "none", "language": "nl"}).json()["results"]} == {free.id}
    assert [s["id"] for s in client.get(url, {"status": "claimed"}).json()["results"]] == [mine.id]
    bad = client.get(url, {"assignee": "bob"})
    assert bad.status_code == 400 and bad.json()["error"]["fields"] == {"assignee": ["Ongeldige waarde."]}  # in Sam's language


def test_another_teams_queue_is_404(bank, client_for) -> None:
    assert client_for(bank.sam).get(f"/api/v1/queues/{bank.support.id}/signals/").status_code == 404
    assert client_for(bank.emma).get(f"/api/v1/queues/{bank.sales_nl.id}/signals/").status_code == 404


def test_queue_query_count_does_not_grow_with_the_page(bank, client_for) -> None:
    client = client_for(bank.sam)
    url = f"/api/v1/queues/{bank.sales_nl.id}/signals/"
    for _ in range(3):
        SignalContactFactory.create(signal=SignalFactory.create(team=bank.sales_nl, assignee=bank.pieter))
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).json()["results"]) == 3
    for _ in range(20):
        SignalContactFactory.create(signal=SignalFactory.create(team=bank.sales_nl, assignee=bank.pieter))

    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).json()["results"]) == 23

    assert len(many) == len(few)


# --- claim ----------------------------------------------------------------------------------------
def test_claiming_a_lead_makes_it_mine_and_claimed(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl)

    response = claim(client_for(bank.sam), signal.id)

    assert response.status_code == 200
    assert response.json()["status"] == "claimed"
    assert response.json()["assignee"]["id"] == bank.sam.id
    signal.refresh_from_db()
    assert (signal.assignee, signal.status) == (bank.sam, "claimed")
    assert signal.first_action_at is not None


def test_the_second_claimer_gets_a_409_that_says_who_has_it(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl)
    claim(client_for(bank.sam), signal.id)

    response = claim(client_for(bank.pieter), signal.id)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "already_claimed"
    assert error["claimed_by"]["id"] == bank.sam.id
    assert "Sam" in error["message"]


def test_a_repeated_claim_by_the_winner_is_fine(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl)
    client = client_for(bank.sam)
    claim(client, signal.id)

    assert claim(client, signal.id).status_code == 200
    assert SignalEvent.objects.filter(signal=signal, type="claimed").count() == 1


def test_non_members_cannot_claim_and_see_a_404(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl)

    for person in (bank.rasmus, bank.sofie, bank.emma, bank.olga, bank.mark):
        assert claim(client_for(person), signal.id).status_code == 404
    signal.refresh_from_db()
    assert signal.assignee is None


def test_a_signal_in_triage_cannot_be_claimed(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.triage, in_triage=True)

    response = claim(client_for(bank.triager), signal.id)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "in_triage"


# --- lifecycle ------------------------------------------------------------------------------------
ALLOWED = [(kind, src, dst) for kind, table in lifecycle.TRANSITIONS.items() for src, dsts in table.items()
           for dst in sorted(dsts)]


@pytest.mark.parametrize(("kind", "src", "dst"), ALLOWED)
def test_every_allowed_transition(bank, client_for, kind, src, dst) -> None:
    team = {"lead": bank.sales_nl, "friend_discount": bank.sales_nl, "complaint": bank.support,
            "referral": bank.recruitment, "feedback": bank.marketing}[kind]
    worker = {"lead": bank.sam, "friend_discount": bank.sam, "complaint": bank.sofie,
              "referral": bank.rita, "feedback": bank.mark}[kind]
    signal = SignalFactory.create(team=team, kind=kind, status=src, assignee=worker)

    response = transition(client_for(worker), signal.id, dst, note="done: reason or reference")

    assert response.status_code == 200, response.content
    signal.refresh_from_db()
    assert signal.status == dst
    assert (signal.closed_at is not None) == (dst in lifecycle.TERMINAL[kind])
    event = signal.events.get(type="transition")
    assert (event.actor, event.from_status, event.to_status) == (worker, src, dst)


REFUSED = [
    ("lead", "new", "won"), ("lead", "new", "contacted"), ("lead", "won", "lost"), ("lead", "lost", "contacted"),
    ("complaint", "resolved", "in_progress"), ("complaint", "new", "planned"),
    ("referral", "new", "hired"), ("referral", "hired", "declined"),
    ("friend_discount", "approved", "declined"), ("feedback", "new", "planned"), ("lead", "withdrawn", "claimed"),
]


@pytest.mark.parametrize(("kind", "src", "dst"), REFUSED)
def test_refused_transitions_change_nothing(bank, client_for, kind, src, dst) -> None:
    team = {"lead": bank.sales_nl, "friend_discount": bank.sales_nl, "complaint": bank.support,
            "referral": bank.recruitment, "feedback": bank.marketing}[kind]
    worker = {"lead": bank.sam, "friend_discount": bank.sam, "complaint": bank.sofie,
              "referral": bank.rita, "feedback": bank.mark}[kind]
    signal = SignalFactory.create(team=team, kind=kind, status=src, assignee=worker)

    response = transition(client_for(worker), signal.id, dst, note="x")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    signal.refresh_from_db()
    assert signal.status == src
    assert not signal.events.filter(type="transition").exists()


def test_closing_needs_a_reason(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, status="contacted", assignee=bank.sam)

    response = transition(client_for(bank.sam), signal.id, "lost", note="  ")

    assert response.status_code == 400
    assert "note" in response.json()["error"]["fields"]
    signal.refresh_from_db()
    assert signal.status == "contacted"


def test_someone_elses_claimed_signal_cannot_be_moved_but_a_team_lead_can(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, status="claimed", assignee=bank.sam)
    other = SignalFactory.create(team=bank.sales_nl, status="claimed", assignee=bank.sam)
    from tests.factories import MembershipFactory, UserFactory

    colleague = UserFactory.create(role="sales")
    MembershipFactory.create(team=bank.sales_nl, user=colleague)

    assert transition(client_for(colleague), signal.id, "contacted").status_code == 409
    assert transition(client_for(bank.pieter), other.id, "contacted").status_code == 200


def test_acting_on_an_unclaimed_complaint_claims_it(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.support, kind="complaint")

    transition(client_for(bank.sofie), signal.id, "acknowledged")

    signal.refresh_from_db()
    assert (signal.status, signal.assignee) == ("acknowledged", bank.sofie)


# --- reporting back ---------------------------------------------------------------------------------
def test_mine_shows_status_in_plain_words_and_only_notes_for_me(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    SignalFactory.create(team=bank.sales_nl, submitter=bank.lars)  # someone else's
    sam = client_for(bank.sam)
    claim(sam, signal.id)
    sam.post(f"/api/v1/signals/{signal.id}/notes/", {"text": "Rich guy, push the premium offer"}, format="json")
    transition(sam, signal.id, "contacted", note="Your neighbour was called on Tuesday, thanks!", visible=True)

    body = client_for(bank.emma).get("/api/v1/signals/mine/").json()

    assert [s["id"] for s in body["results"]] == [signal.id]
    mine = body["results"][0]
    assert mine["status"] == "contacted"
    assert mine["status_text"] == "Er is contact opgenomen"  # Emma reads Dutch
    assert [n["text"] for n in mine["notes"]] == ["Your neighbour was called on Tuesday, thanks!"]
    assert "premium" not in str(body)


def test_submitter_detail_has_no_contact_and_no_internal_history(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    SignalContactFactory.create(signal=signal, phone="+31612345678")
    client_for(bank.sam).post(f"/api/v1/signals/{signal.id}/notes/", {"text": "internal"}, format="json")

    body = client_for(bank.emma).get(f"/api/v1/signals/{signal.id}/").json()
    team_body = client_for(bank.sam).get(f"/api/v1/signals/{signal.id}/").json()

    assert "contact" not in body and "history" not in body
    assert "+31612345678" not in str(body) and "internal" not in str(body)
    assert team_body["contact"]["phone"] == "+31612345678"
    assert [e["note"] for e in team_body["history"] if e["type"] == "note"] == ["internal"]


def test_mine_query_count_is_constant(bank, client_for) -> None:
    client = client_for(bank.emma)
    SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/signals/mine/")
    for _ in range(10):
        s = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
        SignalEvent.objects.create(signal=s, type="note", note="hi", visible_to_submitter=True)

    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/signals/mine/")

    assert len(many) == len(few)


def test_my_totals_on_me(bank, client_for) -> None:
    SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="won", closed_at="2026-01-01T00:00:00Z")
    SignalFactory.create(team=bank.support, submitter=bank.emma, kind="complaint")

    totals = client_for(bank.emma).get("/api/v1/me/").json()["signals"]

    assert totals == {"submitted": 2, "open": 1, "closed": 1, "leads_won": 1}


# --- withdraw -------------------------------------------------------------------------------------
def test_submitter_withdraws_an_unclaimed_signal(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)

    response = client_for(bank.emma).post(f"/api/v1/signals/{signal.id}/withdraw/")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert client_for(bank.sam).get(f"/api/v1/queues/{bank.sales_nl.id}/signals/").json()["results"] == []


def test_a_claimed_signal_cannot_be_withdrawn(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    claim(client_for(bank.sam), signal.id)

    response = client_for(bank.emma).post(f"/api/v1/signals/{signal.id}/withdraw/")

    assert response.status_code == 409
    signal.refresh_from_db()
    assert signal.status == "claimed"


def test_nobody_else_can_withdraw(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)

    for person in (bank.lars, bank.sam, bank.admin):
        assert client_for(person).post(f"/api/v1/signals/{signal.id}/withdraw/").status_code == 404
    signal.refresh_from_db()
    assert signal.status == "new"


# --- re-route and corrections ------------------------------------------------------------------------
def test_triage_confirms_a_route_and_it_becomes_a_correction(bank, client_for, tmp_path) -> None:
    signal = SignalFactory.create(team=bank.triage, in_triage=True, kind="feedback", kind_predicted="feedback",
                           text="klant wil hypotheek, bel 06-12345678")

    response = client_for(bank.triager).post(
        f"/api/v1/signals/{signal.id}/reroute/", {"kind": "lead"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["team"]["name"] == "Sales NL"
    assert response.json()["in_triage"] is False
    correction = Correction.objects.get()
    assert (correction.from_kind, correction.to_kind, correction.to_team) == ("feedback", "lead", bank.sales_nl)
    out = tmp_path / "corrections.jsonl"
    call_command("export_corrections", "--output", str(out))
    import json

    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1
    assert rows[0]["kind"] == "lead" and rows[0]["language"] == "nl"
    assert "06-12345678" not in rows[0]["text"]  # contact details never go into a corpus


def test_reroute_to_a_named_team_resets_the_claim(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, assignee=bank.sam, status="claimed")

    response = client_for(bank.sam).post(
        f"/api/v1/signals/{signal.id}/reroute/", {"kind": "complaint", "team": bank.support.id}, format="json"
    )

    assert response.status_code == 200
    signal.refresh_from_db()
    assert (signal.kind, signal.team, signal.status, signal.assignee) == ("complaint", bank.support, "new", None)
    assert signal.due_at is not None
    # Sales passed it on and no longer sees it.
    assert client_for(bank.sam).get(f"/api/v1/signals/{signal.id}/").status_code == 404


def test_reroute_to_where_it_is_is_a_400(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl)

    response = client_for(bank.sam).post(
        f"/api/v1/signals/{signal.id}/reroute/", {"team": bank.sales_nl.id}, format="json"
    )

    assert response.status_code == 400
    assert not Correction.objects.exists()


def test_reroute_needs_kind_or_team(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl)

    assert client_for(bank.sam).post(f"/api/v1/signals/{signal.id}/reroute/", {}, format="json").status_code == 400


def test_outsiders_cannot_reroute(bank, client_for) -> None:
    signal = SignalFactory.create(team=bank.sales_nl)

    for person in (bank.emma, bank.sofie, bank.rasmus):
        response = client_for(person).post(f"/api/v1/signals/{signal.id}/reroute/", {"kind": "complaint"},
                                           format="json")
        assert response.status_code == 404
    assert not Correction.objects.exists()


# --- figures --------------------------------------------------------------------------------------
def test_figures_for_editors(bank, client_for) -> None:
    from datetime import timedelta

    from django.utils import timezone

    SignalFactory.create(team=bank.sales_nl, status="won", closed_at=timezone.now(), first_action_at=timezone.now())
    SignalFactory.create(team=bank.sales_nl, status="lost", closed_at=timezone.now())
    SignalFactory.create(team=bank.support, kind="complaint", due_at=timezone.now() - timedelta(hours=1))

    rows = client_for(bank.mark).get("/api/v1/signals/figures/").json()

    lead = next(r for r in rows if r["kind"] == "lead")
    complaint = next(r for r in rows if r["kind"] == "complaint")
    assert (lead["count"], lead["won"], lead["lost"], lead["lead_conversion"]) == (2, 1, 1, 0.5)
    assert complaint["overdue"] == 1
    for person in (bank.emma, bank.sam, bank.olga):
        assert client_for(person).get("/api/v1/signals/figures/").status_code == 403
    assert Signal.objects.count() == 3
