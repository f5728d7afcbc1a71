"""Helpers for tests that point the Celery app at another broker address and back."""
from __future__ import annotations

from typing import Any


def reset_broker_connections(app: Any) -> None:
    """Forget pooled broker connections and producers: they belong to the address they were made
    for, and Celery keeps them for the life of the process (there is no public reset short of a fork)."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()
