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


def publish(group: str, event_type: str, payload: dict[str, Any]) -> bool:
    """Send `{"type": event_type, ...payload}` to a group now. Returns False when it could not."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, {"type": event_type, "payload": payload})
        return True
    except Exception:  # noqa: BLE001 - Redis down, timeouts: degrade, never fail the request
        logger.warning("live event %s to %s not published: channel layer unavailable", event_type, group)
        return False


def publish_on_commit(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """Publish after the current transaction commits, and not at all if it rolls back."""
    transaction.on_commit(lambda: publish(group, event_type, payload))
