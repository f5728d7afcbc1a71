"""The SLA clock on a re-route (re-armed for the new team) and the backfill of signals older than the
SLA migration, on a fake clock like test_sla_escalation.py."""
from __future__ import annotations

import importlib
from dataclasses import asdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps

from backend.listening import services, sla
from backend.listening.models import EventType, Signal, SignalEvent, SignalSlaStep
from tests.backend.listening.test_sla_escalation import history, routed, told
from tests.factories import SignalFactory

AMS = ZoneInfo("Europe/Amsterdam")
CPH = ZoneInfo("Europe/Copenhagen")
backfill = importlib.import_module("backend.listening.migrations.0007_backfill_sla_deadlines")


def test_a_reroute_re_arms_the_sla_for_the_new_team_from_that_moment(bank) -> None:
    monday = datetime(2026, 3, 9, 10, 0, tzinfo=AMS)
    signal = routed(bank, kind="lead", team=bank.sales_nl, start=monday)
    assert services.sla_escalate(now=datetime(2026, 3, 10, 10, 0, tzinfo=AMS)) == 1  # Sales NL reminded
    assert told(signal, "signal.overdue") == {bank.sam.pk, bank.pieter.pk}

    # Wednesday 11:00, an hour past Sales NL's escalation moment (the beat had not run yet):
    # Pieter sends it to Denmark. Sales DK starts with a full working day to claim it.
    wednesday = datetime(2026, 3, 11, 11, 0, tzinfo=AMS)
    services.signal_reroute(signal_id=signal.pk, by=bank.pieter, team_id=bank.sales_dk.pk, now=wednesday)
    signal.refresh_from_db()
    expected = sla.signal_deadlines(kind="lead", urgent=False, team=bank.sales_dk, start=wednesday)
    assert {name: getattr(signal, name) for name in asdict(expected)} == asdict(expected)
    assert signal.claim_due_at == datetime(2026, 3, 12, 11, 0, tzinfo=CPH)
    assert not SignalSlaStep.objects.filter(signal=signal).exists()
    rerouted = SignalEvent.objects.get(signal=signal, type=EventType.REROUTED)
    assert rerouted.data["sla_steps_reset"] == ["claim_reminded"]

    # Not escalated at once for the day Sales NL lost, nor later on Sales NL's old schedule.
    assert services.sla_escalate(now=wednesday) == 0
    assert services.sla_escalate(now=datetime(2026, 3, 12, 10, 59, tzinfo=CPH)) == 0
    # Its own reminder, to Rasmus and not to Sales NL again; then its own escalation.
    assert services.sla_escalate(now=datetime(2026, 3, 12, 11, 0, tzinfo=CPH)) == 1
    assert told(signal, "signal.overdue") == {bank.sam.pk, bank.pieter.pk, bank.rasmus.pk}
    assert services.sla_escalate(now=datetime(2026, 3, 13, 11, 0, tzinfo=CPH)) == 1
    assert told(signal, "signal.escalated") == {bank.admin.pk}  # Sales DK has no lead: the admins
    # The history keeps Sales NL's reminder next to Sales DK's steps.
    assert history(signal) == ["sla_reminded", "sla_reminded", "sla_escalated"]


def test_a_reroute_of_an_urgent_complaint_gives_the_new_team_its_own_triage_heads_up(bank) -> None:
    start = datetime(2026, 3, 7, 23, 0, tzinfo=AMS)  # wall clock: a Saturday night is fine
    signal = routed(bank, kind="complaint", team=bank.sales_nl, start=start, urgent=True,
                    urgent_predicted=True)
    assert services.sla_escalate(now=start + timedelta(hours=1)) == 2  # reminded, triage told

    services.signal_reroute(signal_id=signal.pk, by=bank.pieter, team_id=bank.support.pk,
                            now=start + timedelta(minutes=90))
    assert services.sla_escalate(now=start + timedelta(minutes=149)) == 0
    assert services.sla_escalate(now=start + timedelta(minutes=150)) == 2  # support's own hour
    assert told(signal, "signal.overdue") >= {bank.sofie.pk, bank.triager.pk}
    assert history(signal) == ["sla_reminded", "sla_triaged", "sla_reminded", "sla_triaged"]


@pytest.mark.django_db
def test_the_backfill_gives_old_open_signals_the_deadlines_of_their_policy_from_creation(bank) -> None:
    created = datetime(2026, 3, 9, 10, 0, tzinfo=AMS)
    lead = SignalFactory.create(kind="lead", team=bank.sales_nl, submitter=bank.emma)
    old_due = datetime(2026, 3, 20, 12, 0, tzinfo=AMS)
    complaint = SignalFactory.create(kind="complaint", team=bank.support, submitter=bank.emma, due_at=old_due)
    closed = SignalFactory.create(kind="lead", team=bank.sales_nl, submitter=bank.emma, status="won",
                                  closed_at=created)
    Signal.objects.filter(pk__in=[lead.pk, complaint.pk, closed.pk]).update(created_at=created)
    assert lead.claim_due_at is None and lead.resolve_escalate_at is None

    backfill.backfill_deadlines(apps, None)

    lead.refresh_from_db()
    expected = sla.signal_deadlines(kind="lead", urgent=False, team=bank.sales_nl, start=created)
    assert {name: getattr(lead, name) for name in asdict(expected)} == asdict(expected)
    assert lead.claim_due_at == datetime(2026, 3, 10, 10, 0, tzinfo=AMS)
    complaint.refresh_from_db()
    # The pre-SLA complaint keeps its due time; the missing moments are filled in.
    assert complaint.due_at == old_due
    assert complaint.claim_due_at == sla.signal_deadlines(kind="complaint", urgent=False, team=bank.support,
                                                          start=created).claim_due_at
    assert complaint.resolve_escalate_at is not None
    closed.refresh_from_db()
    assert closed.claim_due_at is None  # closed: nothing to chase

    # The escalation now sees both old signals: one working day after Monday 10:00, both are reminded.
    assert services.sla_escalate(now=datetime(2026, 3, 10, 9, 59, tzinfo=AMS)) == 0
    assert services.sla_escalate(now=datetime(2026, 3, 10, 10, 0, tzinfo=AMS)) == 2
    assert told(lead, "signal.overdue") == {bank.sam.pk, bank.pieter.pk}
    assert told(complaint, "signal.overdue") == {bank.sofie.pk}

    backfill.backfill_deadlines(apps, None)  # a second run changes nothing
    assert Signal.objects.get(pk=lead.pk).claim_due_at == lead.claim_due_at
