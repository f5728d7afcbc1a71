"""Live websocket events: group names (from these functions only) and publishing `LiveEvent` rows.

Services write `LiveEvent` rows in the event's transaction (`notifications.services.outbox_write`);
the delivery task publishes them after commit, in pk order, and marks them published. Live events
are a courtesy: the database is the record, and the app re-reads state when it reconnects. So an
event older than LIVE_EVENT_MAX_AGE_SECONDS is marked expired instead of published, and a dead
channel layer is logged and leaves the rows pending for the sweeper, never failing anyone.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications import push
from notifications.models import LiveEvent, LiveState

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def team_queue_group(team_id: int) -> str:
    return f"team.{team_id}"


async def _send_all(events: list[tuple[str, str, dict[str, Any]]]) -> None:
    async def in_order() -> None:
        layer = get_channel_layer()
        for group, event_type, payload in events:
            await layer.group_send(group, {"type": event_type, "payload": payload})

    # The rows stay locked while this runs: a stalled Redis must not hold them (or the task) long.
    await asyncio.wait_for(in_order(), settings.LIVE_EVENT_SEND_TIMEOUT_SECONDS)


def _send(events: list[tuple[str, str, dict[str, Any]]]) -> None:
    """In a worker, on the worker's loop (its Redis connections stay open from task to task).
    Elsewhere through async_to_sync: from a sync view's thread under the ASGI server that runs on
    the server's own loop, which is where the in-memory layer (embedded default) has its queues."""
    sender = push.worker_sender()
    if sender is not None:
        sender.runner.run(_send_all(events))
    else:
        async_to_sync(_send_all)(events)


def publish(*, live_event_ids: list[int]) -> int:
    """Publish pending events among these ids, in pk order; returns how many were published.

    The rows are locked while they are sent (skip_locked: two tasks never publish one row twice),
    so an event is published at least once and, unless a worker dies mid-send, exactly once.
    """
    if get_channel_layer() is None:
        return 0
    oldest = timezone.now() - timedelta(seconds=settings.LIVE_EVENT_MAX_AGE_SECONDS)
    with transaction.atomic():
        rows = list(LiveEvent.objects.select_for_update(skip_locked=True)
                    .filter(pk__in=live_event_ids, state=LiveState.PENDING).order_by("pk"))
        stale = [e.pk for e in rows if e.created_at < oldest]
        fresh = [e for e in rows if e.created_at >= oldest]
        if stale:
            LiveEvent.objects.filter(pk__in=stale).update(state=LiveState.EXPIRED)
        if not fresh:
            return 0
        try:
            _send([(e.group, e.type, e.payload) for e in fresh])
        except Exception:  # noqa: BLE001 - Redis down: the rows stay pending for the sweeper
            logger.warning("%d live events not published: channel layer unavailable", len(fresh))
            return 0
        LiveEvent.objects.filter(pk__in=[e.pk for e in fresh]).update(state=LiveState.PUBLISHED,
                                                                      published_at=timezone.now())
    return len(fresh)


def sweep(*, now: datetime | None = None) -> list[int]:
    """Ids of live events whose task never ran (broker down, worker died) and that still matter;
    the ones too old to matter are marked expired here."""
    now = now or timezone.now()
    pending = LiveEvent.objects.filter(state=LiveState.PENDING)
    pending.filter(created_at__lt=now - timedelta(seconds=settings.LIVE_EVENT_MAX_AGE_SECONDS)).update(
        state=LiveState.EXPIRED)
    grace = now - timedelta(seconds=settings.LIVE_EVENT_SWEEP_GRACE_SECONDS)
    return list(pending.filter(created_at__lte=grace).order_by("pk").values_list("pk", flat=True)[:10_000])
