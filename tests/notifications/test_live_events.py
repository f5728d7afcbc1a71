"""The one after-commit path: outbox rows (notifications and live events) written with the event, one
`notifications.deliver` task with their ids after commit, live events published in order on the
real Redis channel layer, and the sweeper for what the task never covered."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from celery.signals import task_prerun
from channels.layers import channel_layers, get_channel_layer
from django.db import transaction
from django.utils import timezone

from backend.listening import services as listening
from notifications.live import team_queue_group, user_group
from notifications.models import LiveEvent, Notification, QuietHours
from notifications.services import LiveDraft, outbox_write
from notifications.tasks import purge_live_events, sweep_outbox
from tests.factories import SignalFactory

pytestmark = pytest.mark.django_db

LEAD = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen?"


@pytest.fixture
def tasks_run() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every Celery task that runs (eagerly, here): its name and keyword arguments."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(sender: Any = None, kwargs: dict[str, Any] | None = None, **_: Any) -> None:
        seen.append((sender.name, dict(kwargs or {})))

    task_prerun.connect(record, weak=False)
    yield seen
    task_prerun.disconnect(record)


@pytest.fixture
def listening_channel() -> Iterator[Any]:
    """A channel on the real Redis layer, and a way to join groups and read what reached it."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    joined: list[str] = []

    class Channel:
        def join(self, group: str) -> None:
            async_to_sync(layer.group_add)(group, channel)
            joined.append(group)

        def read_all(self, quiet: float = 0.7) -> list[dict[str, Any]]:
            """Everything that arrives until nothing has for `quiet` seconds (in one event loop:
            the layer's receive buffer belongs to the loop that reads)."""
            async def receive() -> list[dict[str, Any]]:
                got = []
                while True:
                    try:
                        got.append(await asyncio.wait_for(layer.receive(channel), quiet))
                    except TimeoutError:
                        return got

            return async_to_sync(receive)()

    yield Channel()
    for group in joined:
        async_to_sync(layer.group_discard)(group, channel)


def test_a_signal_submission_queues_one_task_with_its_notification_and_live_event_ids(
    bank, tasks_run, django_capture_on_commit_callbacks
) -> None:
    for member in (bank.sam, bank.pieter):
        QuietHours.objects.create(user=member, enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        signal = listening.signal_submit(submitter=bank.emma, text=LEAD).signal

    notifications = sorted(Notification.objects.filter(type="signal.routed").values_list("pk", flat=True))
    events = list(LiveEvent.objects.order_by("pk").values_list("pk", "group", "type"))
    assert sorted((g, t) for _, g, t in events) == sorted([
        (team_queue_group(bank.sales_nl.pk), "signal.routed"),
        (user_group(bank.sam.pk), "notification.created"), (user_group(bank.pieter.pk), "notification.created"),
    ])
    assert tasks_run == [("notifications.deliver", {"notification_ids": notifications,
                                                    "live_event_ids": [pk for pk, _, _ in events]})]
    assert LiveEvent.objects.get(type="signal.routed").payload["id"] == signal.pk
    assert set(LiveEvent.objects.values_list("state", flat=True)) == {"published"}


def test_each_event_queues_one_task_with_its_own_ids(bank, tasks_run,
                                                    django_capture_on_commit_callbacks) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)

    with django_capture_on_commit_callbacks(execute=True):
        listening.signal_claim(signal_id=signal.pk, by=bank.sam)  # claimed (team) + status (submitter)

    assert [name for name, _ in tasks_run] == ["notifications.deliver", "notifications.deliver"]
    queued = [set(kwargs["live_event_ids"]) for _, kwargs in tasks_run]
    assert queued[0].isdisjoint(queued[1])
    assert set().union(*queued) == set(LiveEvent.objects.values_list("pk", flat=True))
    assert {"signal.claimed", "signal.status"} <= set(LiveEvent.objects.values_list("type", flat=True))


def test_nothing_is_queued_when_the_event_rolls_back(bank, tasks_run, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, \
            pytest.raises(RuntimeError), transaction.atomic():
        listening.signal_submit(submitter=bank.emma, text=LEAD)
        raise RuntimeError("the request failed after the signal was written")

    assert (callbacks, tasks_run) == ([], [])
    assert not LiveEvent.objects.exists()


@pytest.mark.redis
def test_live_events_arrive_in_the_order_they_were_written(listening_channel, django_capture_on_commit_callbacks) -> None:
    listening_channel.join("team.424242")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for i in range(30):
            outbox_write(live=[LiveDraft("team.424242", "signal.updated", {"id": i})])

    assert [m["payload"]["id"] for m in listening_channel.read_all()] == list(range(30))
    assert set(LiveEvent.objects.values_list("state", flat=True)) == {"published"}


def test_a_dead_channel_layer_is_logged_the_events_wait_and_the_push_part_still_runs(
    bank, settings, caplog, django_capture_on_commit_callbacks
) -> None:
    settings.CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0", "socket_connect_timeout": 0.2}]},
    }}
    channel_layers.backends.clear()
    settings.FIREBASE_CREDENTIALS = ""
    for member in (bank.sam, bank.pieter):
        QuietHours.objects.create(user=member, enabled=False)
    try:
        with caplog.at_level("WARNING", logger="notifications.live"), \
                django_capture_on_commit_callbacks(execute=True):
            listening.signal_submit(submitter=bank.emma, text=LEAD)
    finally:
        channel_layers.backends.clear()

    assert [r.getMessage() for r in caplog.records if r.name == "notifications.live"] == [
        "3 live events not published: channel layer unavailable"]
    assert set(LiveEvent.objects.values_list("state", flat=True)) == {"pending"}  # for the sweeper
    assert set(Notification.objects.values_list("push_state", flat=True)) == {"not_pushed"}


@pytest.mark.redis
def test_the_sweeper_republishes_a_live_event_whose_task_never_ran_and_expires_an_old_one(
    listening_channel, settings, django_capture_on_commit_callbacks
) -> None:
    listening_channel.join("team.5150")
    with django_capture_on_commit_callbacks(execute=False):  # committed, but the task never ran
        outbox_write(live=[LiveDraft("team.5150", "signal.updated", {"id": 1}),
                           LiveDraft("team.5150", "signal.updated", {"id": 2})])
    young, old = LiveEvent.objects.order_by("pk")
    LiveEvent.objects.filter(pk=young.pk).update(created_at=timezone.now() - timedelta(seconds=20))
    LiveEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.LIVE_EVENT_MAX_AGE_SECONDS + 1))

    assert sweep_outbox() == 1

    assert [m["payload"] for m in listening_channel.read_all()] == [{"id": 1}]
    assert dict(LiveEvent.objects.values_list("pk", "state")) == {young.pk: "published", old.pk: "expired"}
    assert sweep_outbox() == 0  # nothing twice


def test_published_and_expired_events_are_purged_after_a_while_and_pending_ones_kept(settings) -> None:
    long_ago = timezone.now() - timedelta(hours=settings.LIVE_EVENT_KEEP_HOURS + 1)
    for state in ("published", "expired", "pending"):
        LiveEvent.objects.create(group="team.1", type="signal.updated", state=state)
    LiveEvent.objects.update(created_at=long_ago)
    LiveEvent.objects.create(group="team.1", type="signal.updated", state="published")

    assert purge_live_events() == 2

    assert sorted(LiveEvent.objects.values_list("state", flat=True)) == ["pending", "published"]
