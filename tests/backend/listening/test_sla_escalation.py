"""The escalation steps (services.sla_escalate) on a fake clock: `now=` is passed, nothing sleeps."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from backend.listening import services, sla
from backend.listening.models import Signal, SignalEvent, SignalSlaStep
from notifications.models import Notification
from tests.backend.listening.test_concurrency import race
from tests.factories import MembershipFactory, SignalFactory, UserFactory

AMS = ZoneInfo("Europe/Amsterdam")
MIN = timedelta(minutes=1)


def routed(bank, *, kind: str, team, start: datetime, urgent: bool = False, **extra) -> Signal:
    """A signal routed at `start`, with the deadlines its policy gives (as signal_submit sets them)."""
    deadlines = sla.signal_deadlines(kind=kind, urgent=urgent, team=team, start=start)
    return SignalFactory.create(kind=kind, team=team, urgent=urgent, submitter=bank.emma, **asdict(deadlines),
                                **extra)


def told(signal: Signal, type_: str) -> set[int]:
    return set(Notification.objects.filter(type=type_, data__id=str(signal.pk)).values_list("user_id", flat=True))


def history(signal: Signal) -> list[str]:
    return list(SignalEvent.objects.filter(signal=signal, type__startswith="sla_").values_list("type", flat=True))


def test_an_unclaimed_urgent_complaint_is_reminded_sent_to_triage_then_escalated_once(bank) -> None:
    bank.support.memberships.filter(user=bank.sofie).update(is_lead=False)
    colleague = UserFactory.create(role="support", profile={"display_name": "Colleague"})
    lead = UserFactory.create(role="support", profile={"display_name": "Lead"})
    MembershipFactory.create(team=bank.support, user=colleague)
    MembershipFactory.create(team=bank.support, user=lead, is_lead=True)
    start = datetime(2026, 3, 7, 23, 0, tzinfo=AMS)  # Saturday night: the urgent line runs on the wall clock
    signal = routed(bank, kind="complaint", team=bank.support, start=start, urgent=True)

    assert services.sla_escalate(now=start + 59 * MIN) == 0
    assert history(signal) == []

    assert services.sla_escalate(now=start + 60 * MIN) == 2
    assert told(signal, "signal.overdue") == {bank.sofie.pk, colleague.pk, lead.pk, bank.triager.pk}
    assert told(signal, "signal.escalated") == set()
    assert history(signal) == ["sla_reminded", "sla_triaged"]
    # Nobody outside the support and triage teams hears of it: not Sales, not an admin.
    everyone_told = set(Notification.objects.filter(data__id=str(signal.pk)).values_list("user_id", flat=True))
    assert everyone_told == {bank.sofie.pk, colleague.pk, lead.pk, bank.triager.pk, bank.emma.pk}

    assert services.sla_escalate(now=start + 119 * MIN) == 0
    assert services.sla_escalate(now=start + 120 * MIN) == 1
    assert told(signal, "signal.escalated") == {lead.pk}
    assert Notification.objects.get(type="signal.escalated").priority == "high"

    assert services.sla_escalate(now=start + 121 * MIN) == 0
    assert sorted(history(signal)) == ["sla_escalated", "sla_reminded", "sla_triaged"]
    assert set(SignalSlaStep.objects.filter(signal=signal).values_list("step", flat=True)) == {
        "claim_reminded", "triaged", "claim_escalated"}


def test_a_lead_over_the_weekend_is_reminded_on_monday_at_closing(bank) -> None:
    friday = datetime(2026, 3, 6, 16, 30, tzinfo=AMS)
    signal = routed(bank, kind="lead", team=bank.sales_nl, start=friday)

    assert signal.claim_due_at == datetime(2026, 3, 9, 16, 30, tzinfo=AMS)  # one working day later
    assert services.sla_escalate(now=datetime(2026, 3, 9, 16, 29, tzinfo=AMS)) == 0
    assert services.sla_escalate(now=datetime(2026, 3, 9, 16, 30, tzinfo=AMS)) == 1
    assert told(signal, "signal.overdue") == {bank.sam.pk, bank.pieter.pk}
    # Sales DK works leads too, but not this one: a member of another team never hears of it.
    assert bank.rasmus.pk not in set(Notification.objects.values_list("user_id", flat=True))

    assert services.sla_escalate(now=datetime(2026, 3, 10, 16, 30, tzinfo=AMS)) == 1
    assert told(signal, "signal.escalated") == {bank.pieter.pk}
    assert bank.sam.pk not in told(signal, "signal.escalated")


def test_claiming_stops_the_claim_steps_and_closing_stops_the_resolution_steps(bank) -> None:
    start = timezone.now() - timedelta(hours=3)
    signal = routed(bank, kind="complaint", team=bank.support, start=start, urgent=True)
    services.signal_claim(signal_id=signal.pk, by=bank.sofie)

    assert services.sla_escalate(now=start + 3 * timedelta(hours=1)) == 0  # claimed: no claim step

    assert services.sla_escalate(now=start + 4 * timedelta(hours=1)) == 1  # resolution due at 4 h
    assert history(signal) == ["sla_reminded"]
    assert SignalEvent.objects.get(signal=signal, type="sla_reminded").data["step"] == "resolve_reminded"
    services.signal_transition(signal_id=signal.pk, by=bank.sofie, to="resolved", note="New card sent")

    assert services.sla_escalate(now=start + 9 * timedelta(hours=1)) == 0  # closed: no escalation
    assert history(signal) == ["sla_reminded"]


def test_the_submitter_reads_still_waiting_and_never_who_was_late(bank, client_for) -> None:
    start = timezone.now() - timedelta(hours=3)
    signal = routed(bank, kind="complaint", team=bank.support, start=start, urgent=True)
    bank.support.memberships.filter(user=bank.sofie).update(is_lead=True)
    services.sla_escalate()

    emma = client_for(bank.emma)
    mine = emma.get(f"/api/v1/signals/{signal.pk}/", HTTP_ACCEPT_LANGUAGE="nl").json()
    inbox = emma.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="nl").json()
    listed = emma.get("/api/v1/signals/mine/", HTTP_ACCEPT_LANGUAGE="nl")

    assert mine["status_text"] == "Ontvangen; nog even wachten tot een collega het oppakt"
    assert [n["title"].split(" · ")[0] for n in inbox["results"]] == [
        "Ontvangen; nog even wachten tot een collega het oppakt"]
    assert listed.status_code == 200
    readable = json.dumps([mine, inbox, listed.json()], ensure_ascii=False)
    for person in (bank.sofie, bank.triager):
        for word in (person.profile.display_name, person.email):
            assert word not in readable
    assert sorted(history(signal)) == ["sla_escalated", "sla_reminded", "sla_triaged"]


def test_the_team_reads_both_deadlines_and_overdue(bank, client_for) -> None:
    start = timezone.now() - timedelta(minutes=90)
    signal = routed(bank, kind="complaint", team=bank.support, start=start, urgent=True)

    body = client_for(bank.sofie).get(f"/api/v1/signals/{signal.pk}/").json()

    assert body["claim_due_at"] is not None and body["resolve_due_at"] == body["due_at"]
    assert body["overdue"] is True  # unclaimed past its claim time, though its resolution is not yet due


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_fire_each_step_once(bank) -> None:
    start = timezone.now() - timedelta(hours=3)
    signals = [routed(bank, kind="complaint", team=bank.support, start=start, urgent=True) for _ in range(6)]

    results = race([partial(services.sla_escalate, now=timezone.now()) for _ in range(4)])

    assert not [r for r in results if isinstance(r, Exception)], results
    # Per signal: reminded, escalated, triage told (resolution at 4 h is not due yet).
    assert sum(results) == 3 * len(signals)
    for signal in signals:
        assert sorted(history(signal)) == ["sla_escalated", "sla_reminded", "sla_triaged"]
        assert len(told(signal, "signal.escalated")) == Notification.objects.filter(
            type="signal.escalated", data__id=str(signal.pk)).count()
