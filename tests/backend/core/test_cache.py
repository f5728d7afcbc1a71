"""The Redis cache shares its connections per process: Django makes new cache objects per request
context (every ASGI request), and its own Redis backend opens a new connection pool for each;
django-redis keeps one pool per process, so every request reuses a warm connection."""
from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django_redis import get_redis_connection


def _connection_id() -> int:
    # CLIENT ID names the server-side connection this process's pool hands out.
    return int(get_redis_connection("default").client_id())


def _connection_id_in_a_new_request_context() -> int:
    async def request() -> int:
        return await sync_to_async(_connection_id)()

    return asyncio.run(request())


@pytest.mark.redis
def test_request_contexts_and_threads_reuse_one_redis_connection() -> None:
    here = _connection_id()
    in_requests = [_connection_id_in_a_new_request_context() for _ in range(3)]
    in_thread: list[int] = []
    thread = threading.Thread(target=lambda: in_thread.append(_connection_id()))
    thread.start()
    thread.join()

    assert in_requests == [here] * 3 and in_thread == [here]
    cache.set("relay-test-shared", 41)
    assert cache.incr("relay-test-shared") == 42
