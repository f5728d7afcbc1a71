"""Moving notifications out of the outbox: claim, push, record — idempotently.

A delivery run claims pending rows (a lease, so a crashed worker's rows come back), pushes each
to the person's active devices it has not reached yet, records per row which devices got it, and
decides: sent, failed (permanent error), or pending again with back-off (429, 5xx, network).
Running it twice for the same rows sends each (row, device) pair once.
"""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications import push
from notifications.models import Device, Notification, Priority, PushState

logger = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retry: int = 0
    not_pushed: int = 0
    messages: int = 0
    retry_in: float | None = None
    tokens_deactivated: int = 0
    retry_ids: list[int] = field(default_factory=list)


def backoff_seconds(attempt: int) -> float:
    """Exponential back-off with full jitter, capped."""
    cap = settings.NOTIFICATION_RETRY_MAX_SECONDS
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS * (2 ** max(attempt - 1, 0))
    return random.uniform(base / 2, min(cap, base))


def _claim(ids: list[int] | None, now: datetime, limit: int) -> list[Notification]:
    """Lease due rows to this worker. `skip_locked` lets several workers share the outbox."""
    due = Q(push_state=PushState.PENDING) & (Q(push_after__isnull=True) | Q(push_after__lte=now))
    expired_lease = Q(push_state=PushState.SENDING, lease_until__lt=now)
    with transaction.atomic():
        rows = Notification.objects.select_for_update(skip_locked=True).filter(due | expired_lease)
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        claimed = list(rows.order_by("pk")[:limit])
        if claimed:
            Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
                push_state=PushState.SENDING, lease_until=now + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS),
                attempts=F("attempts") + 1,
            )
    for n in claimed:
        n.attempts += 1
    return claimed


def deliver(*, notification_ids: list[int] | None = None, limit: int = 5000) -> DeliveryReport:
    now = timezone.now()
    report = DeliveryReport()
    rows = _claim(notification_ids, now, limit)
    report.claimed = len(rows)
    if not rows:
        return report

    if not push.push_configured():
        # The embedded default: stored and shown in the inbox, marked as not pushed. Never dropped.
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
            push_state=PushState.NOT_PUSHED, lease_until=None, last_error="push is not configured"
        )
        report.not_pushed = len(rows)
        return report

    devices: dict[int, list[Device]] = {}
    for d in Device.objects.filter(user_id__in={n.user_id for n in rows}, active=True).order_by("pk"):
        devices.setdefault(d.user_id, []).append(d)

    # (row, device) pairs still to send.
    pending: list[tuple[Notification, Device]] = []
    for n in rows:
        done = set(n.delivered_to)
        pending += [(n, d) for d in devices.get(n.user_id, []) if d.pk not in done]

    delivered: dict[int, list[int]] = {n.pk: list(n.delivered_to) for n in rows}
    retry_rows: set[int] = set()
    failed_reason: dict[int, str] = {}
    bad_tokens: set[int] = set()
    for start in range(0, len(pending), push.MAX_BATCH):
        batch = pending[start:start + push.MAX_BATCH]
        results = push.send_batch([
            push.PushMessage(
                token=d.token, fid=d.installation_id, title=n.title, body=n.body,
                data={**n.data, "notification_id": str(n.pk), "event": n.type},
                collapse_key=n.collapse_key, high_priority=n.priority == Priority.HIGH, silent=n.silent,
            )
            for n, d in batch
        ])
        report.messages += len(batch)
        for (n, d), result in zip(batch, results, strict=True):
            if result.outcome == push.Outcome.SENT:
                delivered[n.pk].append(d.pk)
            elif result.outcome == push.Outcome.BAD_TOKEN:
                bad_tokens.add(d.pk)
            elif result.outcome == push.Outcome.RETRY:
                retry_rows.add(n.pk)
                failed_reason.setdefault(n.pk, result.error)
            else:
                failed_reason[n.pk] = result.error
        # Record progress after every batch, so a crash re-sends at most one batch; one UPDATE per
        # row, however many of its devices the batch held.
        for pk in {n.pk for n, _ in batch}:
            Notification.objects.filter(pk=pk).update(delivered_to=delivered[pk])

    if bad_tokens:
        report.tokens_deactivated = Device.objects.filter(pk__in=bad_tokens).update(
            active=False, deactivated_reason="FCM reported the token invalid"
        )

    now = timezone.now()
    for n in rows:
        sent_any = bool(delivered[n.pk])
        if n.pk in retry_rows and n.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
            wait = backoff_seconds(n.attempts)
            Notification.objects.filter(pk=n.pk).update(
                push_state=PushState.PENDING, push_after=now + timedelta(seconds=wait), lease_until=None,
                last_error=failed_reason.get(n.pk, "")[:300],
            )
            report.retry += 1
            report.retry_ids.append(n.pk)
            report.retry_in = wait if report.retry_in is None else min(report.retry_in, wait)
        elif sent_any:
            Notification.objects.filter(pk=n.pk).update(
                push_state=PushState.SENT, sent_at=now, lease_until=None, last_error=""
            )
            report.sent += 1
        elif n.pk in failed_reason:
            Notification.objects.filter(pk=n.pk).update(
                push_state=PushState.FAILED, lease_until=None, last_error=failed_reason[n.pk][:300]
            )
            report.failed += 1
        else:
            Notification.objects.filter(pk=n.pk).update(
                push_state=PushState.NOT_PUSHED, lease_until=None, last_error="no active device"
            )
            report.not_pushed += 1
    return report


def sweep(*, now: datetime | None = None) -> list[int]:
    """Ids of rows that should be moving but are not: due pending rows and expired leases."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    due = (
        Q(push_state=PushState.PENDING)
        & ((Q(push_after__isnull=True) & Q(created_at__lte=grace)) | Q(push_after__lte=now))
    ) | Q(push_state=PushState.SENDING, lease_until__lt=now)
    return list(Notification.objects.filter(due).order_by("pk").values_list("pk", flat=True)[:50_000])
