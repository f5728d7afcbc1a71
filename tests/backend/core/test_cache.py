"""The Redis cache shares its connections per process: Django makes a cache object per request
context (every ASGI request), and each used to open its own connection pool."""
from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import caches


def _client() -> object:
    return caches["default"]._cache.get_client()  # type: ignore[attr-defined]  # private; the pool core/cache.py shares


def _client_in_new_context() -> object:
    async def inner() -> object:
        return await sync_to_async(_client)()

    return asyncio.run(inner())


@pytest.mark.redis
def test_request_contexts_and_threads_reuse_one_redis_client() -> None:
    here = _client()
    in_contexts = [_client_in_new_context() for _ in range(3)]
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(_client()))
    thread.start()
    thread.join()
    assert all(c is here for c in [*in_contexts, *seen])
    caches["default"].set("relay-test-shared", 41)
    assert caches["default"].incr("relay-test-shared") == 42
