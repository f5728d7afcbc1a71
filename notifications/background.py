"""One event loop per process, in a daemon thread, for the async I/O that synchronous code hands
over: live events to the channel layer (`live.py`) and pushes through the SDK's async client
(`push.py`). Callers stay synchronous — Celery tasks, on-commit hooks in a sync view, eager tasks
under the ASGI server — and never meet an already-running loop of their own.

Started on first use, and again in a forked child (Celery prefork, uvicorn workers), where the
parent's thread does not exist: whatever was bound to the old loop must be rebuilt on the new one,
so users compare the loop they get with the one they set up on.
"""
from __future__ import annotations

import asyncio
import os
import threading

_lock = threading.Lock()
_state: tuple[int, asyncio.AbstractEventLoop, threading.Thread] | None = None


def background_loop() -> asyncio.AbstractEventLoop:
    """This process's background loop, running."""
    global _state
    with _lock:
        if _state is None or _state[0] != os.getpid() or not _state[2].is_alive():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="relay-background-loop", daemon=True)
            thread.start()
            _state = (os.getpid(), loop, thread)
        return _state[1]
