"""Faults: with Redis gone (cache/throttles, channel layer and Celery broker all pointing at a closed
port) submissions still succeed, and the pushes wait in the outbox until a sweep after recovery."""
from __future__ import annotations

from datetime import timedelta

import pytest
from channels.layers import channel_layers
from django.core.cache import caches
from django.utils import timezone

from backend.listening.models import Signal
from notifications.models import LiveEvent, Notification, QuietHours
from notifications.tasks import sweep_outbox
from tests.hostile.broker import reset_broker_connections

DEAD = "redis://127.0.0.1:1/0"
LEAD = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen?"


@pytest.fixture
def redis_down(settings):
    from backend.celery import app

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD,
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {
        "hosts": [{"address": DEAD, "socket_connect_timeout": 0.2}]}}}
    channel_layers.backends.clear()
    caches._settings = None  # type: ignore[attr-defined]
    before = (app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_retry_on_startup,
              app.conf.broker_transport_options)
    app.conf.broker_url, app.conf.task_always_eager = DEAD, False
    app.conf.broker_transport_options = {"socket_connect_timeout": 0.2, "max_retries": 0}
    reset_broker_connections(app)  # connections pooled for the real address would still work
    yield app
    app.conf.broker_url, app.conf.task_always_eager = before[0], before[1]
    app.conf.broker_transport_options = before[3]
    reset_broker_connections(app)  # the pool was made for the dead address; later tests need the real one
    channel_layers.backends.clear()


@pytest.mark.django_db
def test_submissions_succeed_while_redis_is_down_and_pushes_go_out_after(bank, client_for, redis_down, caplog,
                                                                        django_capture_on_commit_callbacks, settings) -> None:
    for member in (bank.sam, bank.pieter):
        QuietHours.objects.create(user=member, enabled=False)
    client = client_for(bank.emma)

    responses = []
    with caplog.at_level("WARNING", logger="notifications.services"):
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):  # each request commits
                responses.append(client.post("/api/v1/signals/", {"text": LEAD}, format="json"))

    assert [r.status_code for r in responses] == [201, 201, 201]
    assert Signal.objects.count() == 3
    waiting = Notification.objects.filter(type="signal.routed")
    assert waiting.count() == 6 and set(waiting.values_list("push_state", flat=True)) == {"pending"}
    # One task per submission could not be queued (logged); its rows wait in the database.
    assert [r.getMessage() for r in caplog.records if r.name == "notifications.services"] == [
        "could not queue delivery of 2 notifications and 3 live events; the sweeper will"] * 3
    assert set(LiveEvent.objects.values_list("state", flat=True)) == {"pending"}

    # Redis is back (here: tasks run in-process again); the sweeper finds what waited.
    redis_down.conf.broker_url, redis_down.conf.task_always_eager = "memory://", True
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    settings.FIREBASE_CREDENTIALS = ""
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    LiveEvent.objects.update(created_at=timezone.now() - timedelta(seconds=20))  # still worth showing
    assert sweep_outbox() == 6 + 9

    assert set(Notification.objects.values_list("push_state", flat=True)) == {"not_pushed"}
    assert Notification.objects.count() == 6  # nothing lost, nothing doubled
    assert set(LiveEvent.objects.values_list("state", flat=True)) == {"published"}
