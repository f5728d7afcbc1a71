"""Issue 18: a `kill -9` of the worker in the middle of a webhook delivery, on the real services:
Redis as the broker, PostgreSQL, a real `celery worker` started here, a real receiver on 127.0.0.1.

The receiver holds the first request and drops it when the worker dies; with acks_late the task is
handed out again, the row's lease expires, and the new worker delivers it with the same
`webhook-id`, so the receiver applies it once."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction

from backend.listening.services import signal_claim
from notifications.models import WebhookDelivery
from tests.factories import SignalFactory
from tests.hostile.broker import worker_process_env
from tests.hostile.test_worker_faults import VISIBILITY_SECONDS, Workers, wait_for
from tests.integrations.conftest import new_secret, subscribe
from tests.integrations.receiver import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True),
              pytest.mark.timeout(180)]
LEASE_SECONDS = 3


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(secret=new_secret()).start()
    yield r
    r.stop()


@pytest.fixture
def workers(settings, tmp_path: Path) -> Iterator[Workers]:
    env = worker_process_env(
        settings, CELERY_VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_SECONDS), WEBHOOK_ALLOW_PRIVATE="1",
        WEBHOOK_LEASE_SECONDS=str(LEASE_SECONDS), WEBHOOK_TIMEOUT_SECONDS="1",
    )
    # The real Celery app, unchanged: webhooks need no fake push provider.
    w = Workers(env, tmp_path, app="backend.celery", name="hooks")
    yield w
    w.stop_all()


def test_a_worker_killed_mid_webhook_is_replaced_and_the_event_is_applied_once(
    broker, receiver: Receiver, workers: Workers, bank,
) -> None:
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    receiver.hold_next = True
    with transaction.atomic():
        signal_claim(signal_id=signal.pk, by=bank.sam)  # on commit: the task goes to Redis
    row = WebhookDelivery.objects.get()

    first = workers.start()
    wait_for(receiver.held.is_set, 60, "the first worker's POST to reach the receiver", workers)
    workers.kill9(first)
    receiver.release()

    mid = WebhookDelivery.objects.get(pk=row.pk)
    assert (mid.state, mid.attempts) == ("sending", 1)  # died holding the lease
    assert broker.hlen("unacked") == 1
    time.sleep(max(VISIBILITY_SECONDS, LEASE_SECONDS) + 0.5)
    workers.start()
    wait_for(lambda: WebhookDelivery.objects.get(pk=row.pk).state == "delivered", 60,
             "the second worker to deliver it", workers)

    row.refresh_from_db()
    assert row.attempts == 2
    assert receiver.requests == [row.msg_id, row.msg_id]  # the same webhook-id both times
    assert list(receiver.applied) == [row.msg_id] and receiver.duplicates == 0
