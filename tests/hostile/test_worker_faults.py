"""Faults in the delivery worker, on the real services: Redis as the Celery broker, PostgreSQL, real
`celery worker` processes started here, and the real firebase-admin SDK talking to a fake FCM
server on 127.0.0.1.

1. The worker is killed (-9) while FCM holds its request: with acks_late the task stays
   unacknowledged in Redis, a new worker gets it again after the visibility timeout, takes the row
   back once its lease has expired, and FCM accepts the notification exactly once.
2. FCM is unreachable for a while: the worker keeps re-scheduling the delivery through the broker
   with back-off and sends once when FCM is back. (tests/notifications/test_delivery.py covers the
   same promise for one delivery run in-process; here it is the worker's own retry path.)

What no test can close: if FCM had *accepted* the held request before the worker died, the row
would not record it and the new worker would send it again (at least once, not exactly once, on
that boundary). The collapse key makes the phone show it once.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction

from notifications.models import Device, Notification, QuietHours
from notifications.services import Draft, notify
from tests.factories import UserFactory
from tests.hostile.broker import ROOT, worker_process_env
from tests.notifications.conftest import service_account
from tests.notifications.fake_fcm import FakeFCM

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True),
              pytest.mark.timeout(180)]
TOKEN = "worker-fault-token-" + "z" * 40
LEASE_SECONDS = 3
VISIBILITY_SECONDS = 4


@pytest.fixture
def fake_fcm(tmp_path: Path) -> Iterator[FakeFCM]:
    fake = FakeFCM(ca_dir=tmp_path / "ca").start()
    yield fake
    fake.stop()


@pytest.fixture
def worker_env(fake_fcm: FakeFCM, tmp_path: Path, settings) -> dict[str, str]:
    credentials = service_account(tmp_path / "service-account.json", fake_fcm.token_url)
    return worker_process_env(
        settings, FIREBASE_CREDENTIALS=str(credentials),
        RELAY_FAKE_FCM_URL=fake_fcm.url, RELAY_FAKE_FCM_PLAIN_URL=f"http://127.0.0.1:{fake_fcm.token_port}",
        SSL_CERT_FILE=fake_fcm.ca_file, NOTIFICATION_LEASE_SECONDS=str(LEASE_SECONDS),
        CELERY_VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_SECONDS),
        NOTIFICATION_RETRY_BASE_SECONDS="0.2", NOTIFICATION_RETRY_MAX_SECONDS="0.5", NOTIFICATION_MAX_ATTEMPTS="60",
    )


class Workers:
    """`celery worker` processes of `app` started by the test, each in its own process group."""

    def __init__(self, env: dict[str, str], logs: Path, *, app: str = "tests.hostile.celery_fake_fcm",
                 name: str = "fault") -> None:
        self.env, self.logs, self.app, self.name = env, logs, app, name
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen:
        log = open(self.logs / f"worker-{len(self.procs)}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", self.app, "worker", "--pool", "prefork",
             "--concurrency", "1", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"{self.name}{len(self.procs)}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def kill9(self, proc: subprocess.Popen) -> None:
        os.killpg(proc.pid, signal.SIGKILL)  # the main process and its pool child, no warm shutdown
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)

    def output(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.logs.glob("worker-*.log")))


@pytest.fixture
def workers(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    w = Workers(worker_env, tmp_path)
    yield w
    w.stop_all()


def wait_for(condition, seconds: float, what: str, workers: Workers) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}\n{workers.output()}")


def queue_one_push() -> Notification:
    user = UserFactory.create()
    QuietHours.objects.create(user=user, enabled=False)
    Device.objects.create(user=user, token=TOKEN, platform="android")
    with transaction.atomic():  # on commit: the delivery task goes to the broker (Redis)
        n = notify([Draft(user_id=user.pk, type="signal.routed", category="queue", title="New lead",
                          data={"type": "signal", "id": "7"}, collapse_key="signal-7")])[0]
    return n


def state_of(n: Notification) -> str:
    return Notification.objects.values_list("push_state", flat=True).get(pk=n.pk)


def test_a_worker_killed_mid_push_is_replaced_and_the_push_is_sent_once(broker, fake_fcm, workers) -> None:
    fake_fcm.hold_next = True
    n = queue_one_push()
    assert broker.llen("celery") == 1  # waiting for a worker

    first = workers.start()
    wait_for(fake_fcm.held.is_set, 60, "the first worker's push to reach FCM", workers)
    workers.kill9(first)
    fake_fcm.drop_held()

    mid = Notification.objects.get(pk=n.pk)
    assert (mid.push_state, mid.delivered_to, mid.attempts) == ("sending", [], 1)  # died holding the lease
    assert broker.hlen("unacked") == 1  # acks_late: the task is not acknowledged, so it is not lost
    time.sleep(VISIBILITY_SECONDS + 0.5)  # no live worker owns it any more
    workers.start()
    wait_for(lambda: state_of(n) == "sent", 60, "the second worker to send it", workers)

    n.refresh_from_db()
    assert len(fake_fcm.sent_for(n.pk)) == 1 and len(fake_fcm.received) == 1
    assert fake_fcm.requests == 2  # the dropped one and the one that went through
    assert n.attempts == 2
    assert n.delivered_to == [Device.objects.get(token=TOKEN).pk]
    time.sleep(1)
    assert (broker.llen("celery"), broker.hlen("unacked")) == (0, 0)  # nothing left to send it again
    assert len(fake_fcm.received) == 1


def test_fcm_unreachable_for_a_while_the_worker_retries_and_sends_once(broker, fake_fcm, workers) -> None:
    port = fake_fcm.port
    fake_fcm.stop()
    workers.start()
    n = queue_one_push()

    wait_for(lambda: Notification.objects.get(pk=n.pk).attempts >= 3, 60,
             "the worker to retry against the unreachable FCM", workers)
    while_down = Notification.objects.get(pk=n.pk)
    assert while_down.push_state in ("pending", "sending") and while_down.last_error
    fake_fcm.port = port
    fake_fcm.start()
    wait_for(lambda: state_of(n) == "sent", 60, "the push to go out once FCM is back", workers)

    time.sleep(1)  # a duplicate retry, had one been scheduled, would have arrived by now
    assert len(fake_fcm.sent_for(n.pk)) == 1 and len(fake_fcm.received) == 1
    assert (broker.llen("celery"), broker.hlen("unacked")) == (0, 0)
