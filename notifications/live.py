"""Publishing live events to websocket groups. Group names come from these functions only.

Publishing happens after commit and never fails or slows the caller: with Redis, events go to the
process's background loop (`notifications.background`), which keeps its Redis connections, so a
request thread never waits for a Redis round trip (nor builds a new event loop and connection pool
per event, which is what `async_to_sync` does outside the server). When the channel layer is down the
event is dropped with a warning — the outbox still delivers the push, and the app re-reads state
when it reconnects. Live events are a courtesy; the database is the record.
"""
from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from notifications.background import background_loop

logger = logging.getLogger(__name__)

# Batches waiting for the publisher thread; past this (Redis stalled) new ones are dropped.
QUEUE_LIMIT = 10_000
# A batch that Redis cannot take within this time is dropped rather than holding up the next ones.
SEND_TIMEOUT_SECONDS = 2.0


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def team_queue_group(team_id: int) -> str:
    return f"team.{team_id}"


Event = tuple[str, str, dict[str, Any]]  # (group, event type, payload)


async def _send_all(events: list[Event]) -> None:
    layer = get_channel_layer()
    for group, event_type, payload in events:
        await layer.group_send(group, {"type": event_type, "payload": payload})


class _Publisher:
    """Sends batches in the order given, from a queue drained on the process's background loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop the queue and drain live on
        self._queue: asyncio.Queue[list[Event]] | None = None
        # Batches handed over (written by callers, under the lock) and finished (written by the
        # loop's thread only); flush() waits for the two to meet.
        self._submitted = 0
        self._finished = 0

    def _start(self) -> asyncio.AbstractEventLoop:
        # A forked process (Celery prefork, uvicorn workers) gets a new background loop: the queue
        # and its drain are set up again on it.
        loop = background_loop()
        if self._loop is loop:
            return loop
        with self._lock:
            if self._loop is not loop:

                async def setup() -> None:
                    self._queue = asyncio.Queue(maxsize=QUEUE_LIMIT)
                    loop.create_task(self._drain())

                asyncio.run_coroutine_threadsafe(setup(), loop).result(timeout=5)
                self._loop, self._pid, self._submitted, self._finished = loop, os.getpid(), 0, 0
        return loop

    def _put(self, events: list[Event]) -> None:
        assert self._queue is not None
        try:
            self._queue.put_nowait(events)
        except asyncio.QueueFull:
            self._finished += 1
            logger.warning("%d live events dropped: the publisher is %d batches behind", len(events), QUEUE_LIMIT)

    async def _drain(self) -> None:
        assert self._queue is not None
        while True:
            events = await self._queue.get()
            try:
                await asyncio.wait_for(_send_all(events), SEND_TIMEOUT_SECONDS)
            except Exception:  # noqa: BLE001 - Redis down, timeouts: degrade, never fail anyone
                logger.warning("%d live events not published: channel layer unavailable", len(events))
            finally:
                self._finished += 1

    def submit(self, events: list[Event]) -> None:
        loop = self._start()
        with self._lock:
            self._submitted += 1
        loop.call_soon_threadsafe(self._put, events)

    def flush(self, timeout: float = 2.0) -> bool:
        """Wait (bounded) until what was handed over is sent; True when nothing is left."""
        deadline = time.monotonic() + timeout
        while self._finished < self._submitted and time.monotonic() < deadline and self._pid == os.getpid():
            time.sleep(0.005)
        return self._finished >= self._submitted


_publisher = _Publisher()
atexit.register(_publisher.flush)


def flush(timeout: float = 2.0) -> bool:
    """Wait until handed-over events are sent (a worker shutting down, a test); bounded."""
    return _publisher.flush(timeout)


def publish_many(events: list[Event]) -> bool:
    """Hand events over for sending. Returns False when there is no channel layer or it failed.

    The in-memory layer (embedded default) lives on the server's own event loop, so it is sent
    there directly; any other layer goes through the background publisher.
    """
    if not events:
        return False
    try:
        layer = get_channel_layer()
        if layer is None:
            return False
        if isinstance(layer, InMemoryChannelLayer):
            async_to_sync(_send_all)(events)
        else:
            _publisher.submit(list(events))
        return True
    except Exception:  # noqa: BLE001 - a broken layer configuration must not fail the request
        logger.warning("%d live events not published: channel layer unavailable", len(events))
        return False


def publish(group: str, event_type: str, payload: dict[str, Any]) -> bool:
    """Send `{"type": event_type, "payload": payload}` to a group."""
    return publish_many([(group, event_type, payload)])


def publish_on_commit(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """Publish after the current transaction commits, and not at all if it rolls back."""
    transaction.on_commit(lambda: publish(group, event_type, payload))


def publish_many_on_commit(events: list[Event]) -> None:
    if events:
        transaction.on_commit(lambda: publish_many(events))
