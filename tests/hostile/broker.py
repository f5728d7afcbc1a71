"""Helpers for tests that point the Celery app at another broker address and back."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]


def worker_process_env(settings: Any, **extra: str) -> dict[str, str]:
    """The environment of a real Celery process (worker or beat) that works on this test's database
    (its committed rows) and the suite's Redis as the broker, with the test's own `extra` settings."""
    from django.db import connection

    db = connection.settings_dict
    auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0", "PYTHONPATH": str(ROOT), "DB_POOL": "0",
        **extra,
    }


def reset_broker_connections(app: Any) -> None:
    """Forget pooled broker connections and producers: they belong to the address they were made
    for, and Celery keeps them for the life of the process (there is no public reset short of a fork)."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def broker(settings) -> Iterator[Any]:
    """The suite's Redis as the broker, with an empty default queue; tasks go to it (not eager)."""
    import redis

    from backend.celery import app

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    reset_broker_connections(app)  # an earlier test may have pooled connections to another address
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")
    yield client
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")
    app.conf.task_always_eager = before
    reset_broker_connections(app)
