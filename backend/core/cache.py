"""Django's Redis cache backend, with its connections shared by the whole process.

Django keeps cache objects per request context, and under ASGI every request is a new context:
the stock client then builds a new connection pool (a new TCP connection to Redis) and a new
`redis.Redis` object per request. Here pools and clients are kept per process, keyed by server
URL and options, so a request reuses a warm connection. `redis.Redis` is thread-safe.
"""
from __future__ import annotations

import os
import threading
from typing import Any

from django.core.cache.backends import redis as django_redis

_lock = threading.Lock()
_clients: dict[tuple[int, str, str], Any] = {}


class SharedRedisCacheClient(django_redis.RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        # The pid is part of the key: a forked worker must not share its parent's sockets.
        cache_key = (os.getpid(), self._servers[index], repr(sorted(self._pool_options.items(), key=str)))
        client = _clients.get(cache_key)
        if client is None:
            with _lock:
                client = _clients.get(cache_key)
                if client is None:
                    pool = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    client = _clients[cache_key] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedRedisCacheClient
