"""Leasing rows of the outboxes that share one shape — webhook deliveries and e-mails: a `state`
that goes pending → sending → done, `next_attempt_at` for the back-off, `lease_until` for the
worker that holds a row, and `attempts`. (Pushes keep their own columns: notifications/delivery.py.)

A lease is what makes several workers safe on one outbox: rows are taken with `skip_locked`, marked
`sending` until the lease runs out, and a worker that died leaves them to be taken again after it.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction
from django.db.models import F, Model, Q, QuerySet

PENDING, SENDING = "pending", "sending"
M = TypeVar("M", bound=Model)


def due_or_abandoned(now: datetime) -> Q:
    """Pending rows whose back-off has passed, and rows whose worker's lease ran out."""
    due = Q(state=PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return due | Q(state=SENDING, lease_until__lt=now)


def lease(rows: QuerySet[M], *, ids: list[int] | None, now: datetime, limit: int, seconds: int) -> list[M]:
    """Take up to `limit` of `rows` that are due (lowest pk first; only `ids` when given) for
    `seconds`: marked sending, one more attempt each. Locks only in its own short transaction."""
    with transaction.atomic():
        due = rows.select_for_update(skip_locked=True, of=("self",)).filter(due_or_abandoned(now))
        if ids is not None:
            due = due.filter(pk__in=ids)
        claimed = list(due.order_by("pk")[:limit])
        if claimed:
            rows.model._default_manager.filter(pk__in=[r.pk for r in claimed]).update(
                state=SENDING, attempts=F("attempts") + 1, lease_until=now + timedelta(seconds=seconds),
            )
    for row in claimed:
        row.attempts += 1  # type: ignore[attr-defined]  # every outbox model here has it (docstring)
    return claimed


def backoff_seconds(attempt: int, *, base: float, cap: float) -> float:
    """Exponential back-off (base · 2^(attempt-1), capped), jittered over its upper half."""
    top = base * (2 ** min(max(attempt - 1, 0), 20))
    return random.uniform(top / 2, min(cap, top))
