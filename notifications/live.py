"""Publishing live events to websocket groups. Group names come from these functions only.

Publishing happens after commit and never fails the caller: when the channel layer (Redis) is
down, the event is dropped with a warning — the outbox still delivers the push, and the app
re-reads state when it reconnects.
"""
from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def team_queue_group(team_id: int) -> str:
    return f"team.{team_id}"


Event = tuple[str, str, dict[str, Any]]  # (group, event type, payload)


async def _send_all(events: list[Event]) -> None:
    layer = get_channel_layer()
    for group, event_type, payload in events:
        await layer.group_send(group, {"type": event_type, "payload": payload})


def publish_many(events: list[Event]) -> bool:
    """Send events now, in one hop to the event loop. Returns False when they could not be sent."""
    if not events or get_channel_layer() is None:
        return False
    try:
        async_to_sync(_send_all)(events)
        return True
    except Exception:  # noqa: BLE001 - Redis down, timeouts: degrade, never fail the request
        logger.warning("%d live events not published: channel layer unavailable", len(events))
        return False


def publish(group: str, event_type: str, payload: dict[str, Any]) -> bool:
    """Send `{"type": event_type, "payload": payload}` to a group now."""
    return publish_many([(group, event_type, payload)])


def publish_on_commit(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """Publish after the current transaction commits, and not at all if it rolls back."""
    transaction.on_commit(lambda: publish(group, event_type, payload))


def publish_many_on_commit(events: list[Event]) -> None:
    if events:
        transaction.on_commit(lambda: publish_many(events))
