"""Races on a real PostgreSQL, each racer on its own connection: claims and idempotent retries."""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection

from backend.core.errors import Conflict
from backend.listening import services
from backend.listening.models import Signal, SignalEvent
from tests.factories import MembershipFactory, SignalFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run the callables at the same instant in threads (one DB connection each); collect results."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(i: int, fn: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_exactly_one_of_many_concurrent_claimers_wins() -> None:
    signal = SignalFactory.create(kind="lead")
    agents = [UserFactory.create(role="sales") for _ in range(8)]
    for agent in agents:
        MembershipFactory.create(team=signal.team, user=agent)

    results = race([partial(services.signal_claim, signal_id=signal.id, by=a) for a in agents])

    winners = [r for r in results if isinstance(r, Signal)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1, results
    assert len(losers) == 7
    signal.refresh_from_db()
    assert signal.assignee_id == winners[0].assignee_id
    assert all(e.extra["claimed_by"]["id"] == signal.assignee_id for e in losers)
    assert SignalEvent.objects.filter(signal=signal, type="claimed").count() == 1


def test_concurrent_retries_with_one_idempotency_key_create_one_signal() -> None:
    employee = UserFactory.create(role="employee")
    key = uuid.uuid4()
    text = "Mijn buurman wil zijn hypotheek oversluiten, kan iemand bellen?"

    results = race([
        lambda: services.signal_submit(submitter=employee, text=text, idempotency_key=key) for _ in range(6)
    ])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Signal.objects.filter(submitter=employee).count() == 1
    assert len({r.signal.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1


def test_concurrent_transitions_of_one_signal_are_serialised() -> None:
    signal = SignalFactory.create(kind="lead", status="contacted")
    agent = UserFactory.create(role="sales")
    MembershipFactory.create(team=signal.team, user=agent, is_lead=True)
    Signal.objects.filter(pk=signal.pk).update(assignee=agent)

    results = race([
        lambda: services.signal_transition(signal_id=signal.id, by=agent, to="won", note="signed"),
        lambda: services.signal_transition(signal_id=signal.id, by=agent, to="lost", note="went elsewhere"),
    ])

    assert sum(isinstance(r, Signal) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert SignalEvent.objects.filter(signal=signal, type="transition").count() == 1
