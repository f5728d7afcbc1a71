"""Issue 20's "done when": an urgent complaint left unclaimed escalates on time, through a real
`celery beat` and a real `celery worker` on Redis and PostgreSQL, started here as processes.

The clock is faked by where the signal starts: it was passed on almost an hour (or two) ago, so
its claim deadline (its lead's escalation) comes a few seconds into the test. Beat ticks every half
second (RELAY_SLA_ESCALATE_EVERY_SECONDS), so "on time" means: nothing before the deadline, the
step within two seconds after it, and its notifications delivered by the worker.
"""
from __future__ import annotations

import os
import signal as signals
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from backend.listening import sla
from backend.listening.models import Signal, SignalSlaStep
from notifications.models import Notification
from tests.factories import MembershipFactory, SignalFactory, UserFactory
from tests.hostile.broker import ROOT, worker_process_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True),
              pytest.mark.timeout(90)]
LEAD_SECONDS = 4  # how far into the test the first deadline falls
ON_TIME = timedelta(seconds=2)


@pytest.fixture
def processes(broker, settings, tmp_path: Path) -> Iterator[list[subprocess.Popen]]:
    """One worker and one beat on this test's database and Redis, each in its own process group."""
    env = worker_process_env(settings, FIREBASE_CREDENTIALS="", RELAY_SLA_ESCALATE_EVERY_SECONDS="0.5")
    commands = {
        "worker": ["worker", "--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "-n", "sla@%h"],
        "beat": ["beat", "--loglevel", "INFO", "--max-interval", "1", "-s", str(tmp_path / "beat-schedule")],
    }
    procs = []
    for name, args in commands.items():
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        procs.append(subprocess.Popen([sys.executable, "-m", "celery", "-A", "backend", *args], cwd=ROOT, env=env,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    yield procs
    for proc in procs:
        if proc.poll() is None:
            # Beat keeps nothing worth a warm shutdown; neither does an idle solo worker.
            os.killpg(proc.pid, signals.SIGKILL)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signals.SIGKILL)
                proc.wait(timeout=10)


def logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text()[-3000:] for p in sorted(tmp_path.glob("*.log")))


def wait_for(condition, seconds: float, what: str, tmp_path: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}\n{logs(tmp_path)}")


def steps(signal: Signal) -> dict[str, Any]:
    return dict(SignalSlaStep.objects.filter(signal=signal).values_list("step", "at"))


def test_an_unclaimed_urgent_complaint_escalates_on_time_through_beat_and_worker(bank, processes, tmp_path) -> None:
    lead = UserFactory.create(role="support")
    MembershipFactory.create(team=bank.support, user=lead, is_lead=True)
    worker_log = tmp_path / "worker.log"
    # The worker answers its first task only once it is up: wait for the escalation task to run.
    wait_for(lambda: "Task listening.sla_escalate[" in worker_log.read_text(), 40, "the first beat tick to reach the worker",
             tmp_path)

    now = timezone.now()
    # Passed on just under an hour ago: the claim deadline comes in LEAD_SECONDS (the team is
    # reminded, triage told); another just under two hours ago, its lead's escalation likewise.
    reminded = SignalFactory.create(kind="complaint", urgent=True, team=bank.support, **asdict(sla.signal_deadlines(
        kind="complaint", urgent=True, team=bank.support, start=now - timedelta(hours=1, seconds=-LEAD_SECONDS))))
    escalated = SignalFactory.create(kind="complaint", urgent=True, team=bank.support, **asdict(sla.signal_deadlines(
        kind="complaint", urgent=True, team=bank.support, start=now - timedelta(hours=2, seconds=-LEAD_SECONDS))))
    assert reminded.claim_due_at and escalated.claim_escalate_at

    time.sleep(max((reminded.claim_due_at - timezone.now()).total_seconds() - 1, 0))
    assert steps(reminded) == {}  # a second before its deadline nothing has fired
    assert "claim_escalated" not in steps(escalated)

    wait_for(lambda: {"claim_reminded", "triaged"} <= set(steps(reminded)), 10, "the reminder and triage step",
             tmp_path)
    wait_for(lambda: "claim_escalated" in steps(escalated), 10, "the lead's escalation", tmp_path)
    fired = steps(reminded)
    assert reminded.claim_due_at <= fired["claim_reminded"] <= reminded.claim_due_at + ON_TIME
    assert reminded.claim_due_at <= fired["triaged"] <= reminded.claim_due_at + ON_TIME
    at = steps(escalated)["claim_escalated"]
    assert escalated.claim_escalate_at <= at <= escalated.claim_escalate_at + ON_TIME

    # The worker delivered what the steps wrote (no push provider here: recorded as not pushed).
    escalation = Notification.objects.filter(type="signal.escalated", data__id=str(escalated.pk))
    wait_for(lambda: escalation.exclude(push_state="pending").count() == 1, 10, "the escalation's delivery",
             tmp_path)
    assert list(escalation.values_list("user_id", flat=True)) == [lead.pk]
    assert set(Notification.objects.filter(type="signal.overdue", data__id=str(reminded.pk))
               .values_list("user_id", flat=True)) == {bank.sofie.pk, lead.pk, bank.triager.pk}
    time.sleep(1)  # more beat ticks: still once each
    assert SignalSlaStep.objects.filter(signal=reminded).count() == 2
    # Only the older signal has reached twice its claim time; its lead heard it once.
    assert Notification.objects.filter(type="signal.escalated").count() == 1
