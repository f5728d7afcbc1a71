"""Handing outbox rows to the delivery task from one thread per process, off the request.

Queueing a Celery task is a Redis round trip plus kombu building the message: about 1.5 ms of a
signal submission's CPU, paid after commit while the client waits. Here the request thread only
puts the ids on a queue; one thread sends them, and whatever several requests handed over
meanwhile goes out together (chunks of NOTIFICATION_TASK_CHUNK), so under load there are fewer
tasks than requests.

Nothing is at risk: the rows are committed before they are handed over. A dead broker is logged,
and a process that dies with ids still queued leaves them pending, where the outbox sweeper finds
them (NOTIFICATION_SWEEP_GRACE_SECONDS) as it finds any row whose task never ran. Eager Celery (the
embedded default, tests) keeps the old synchronous call: there is no broker to wait for.
"""
from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

Send = Callable[[list[int]], None]


class Dispatcher:
    """One sending thread per process (started on first use, again after a fork)."""

    def __init__(self, send: Send, *, chunk: Callable[[], int]) -> None:
        self._send = send
        self._chunk = chunk
        self._lock = threading.Condition()
        self._pid = 0
        self._queue: queue.SimpleQueue[list[int]] = queue.SimpleQueue()
        self._handed = 0  # id lists put on the queue (callers, under the lock)
        self._done = 0  # id lists sent or given up on (the thread, under the lock)

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                # After a fork the parent's thread is gone and its queue may hold the parent's ids.
                self._queue, self._handed, self._done = queue.SimpleQueue(), 0, 0
                threading.Thread(target=self._run, name="relay-outbox-dispatch", daemon=True).start()
                self._pid = os.getpid()

    def submit(self, ids: list[int]) -> None:
        if not ids:
            return
        self._ensure_thread()
        with self._lock:
            self._handed += 1
            self._queue.put(list(ids))

    def _run(self) -> None:
        q = self._queue
        while True:
            taken = [q.get()]
            while True:  # whatever else is waiting goes in the same tasks
                try:
                    taken.append(q.get_nowait())
                except queue.Empty:
                    break
            try:
                self.send_now([i for batch in taken for i in batch])
            except Exception:  # noqa: BLE001 - this thread must outlive any surprise
                logger.exception("outbox dispatch failed; the sweeper will pick the rows up")
            finally:
                with self._lock:
                    self._done += len(taken)
                    self._lock.notify_all()

    def send_now(self, ids: list[int]) -> None:
        """Send in the caller's thread, in chunks; a failure is logged, never raised (eager Celery
        uses this directly: there is no broker to wait for)."""
        size = max(1, self._chunk())
        for start in range(0, len(ids), size):
            chunk = ids[start:start + size]
            try:
                self._send(chunk)
            except Exception:  # noqa: BLE001 - broker down: the rows wait in the database
                logger.warning("could not queue delivery of %d notifications; the sweeper will", len(chunk))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait (bounded) until everything handed over was sent; True when nothing is left."""
        if self._pid != os.getpid():
            return True
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._done < self._handed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True
