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
    size = min(settings.FCM_BATCH_SIZE, push.MAX_BATCH)
    batches = [pending[start:start + size] for start in range(0, len(pending), size)]
    by_pk = {n.pk: n for n in rows}
    retry_after: dict[int, float] = {}  # FCM's Retry-After per row, when it gave one
    messages = [
        [
            push.PushMessage(
                token=d.token, fid=d.installation_id, title=n.title, body=n.body,
                data={**n.data, "notification_id": str(n.pk), "event": n.type},
                collapse_key=n.collapse_key, high_priority=n.priority == Priority.HIGH, silent=n.silent,
            )
            for n, d in batch
        ]
        for batch in batches
    ]
    for wave in push.send_waves(messages):
        progressed: set[int] = set()
        for index, results in wave:
            batch = batches[index]
            report.messages += len(batch)
            for (n, d), result in zip(batch, results, strict=True):
                if result.outcome == push.Outcome.SENT:
                    delivered[n.pk].append(d.pk)
                    progressed.add(n.pk)
                elif result.outcome == push.Outcome.BAD_TOKEN:
                    bad_tokens.add(d.pk)
                elif result.outcome == push.Outcome.RETRY:
                    retry_rows.add(n.pk)
                    failed_reason.setdefault(n.pk, result.error)
                    if result.retry_after:
                        retry_after[n.pk] = max(retry_after.get(n.pk, 0.0), result.retry_after)
                else:
                    failed_reason[n.pk] = result.error
        # Record progress after every wave, so a crash re-sends at most the wave in flight:
        # one statement per wave, however many rows and devices it held.
        if progressed:
            for n in (by_pk[pk] for pk in progressed):
                n.delivered_to = delivered[n.pk]
            Notification.objects.bulk_update([by_pk[pk] for pk in progressed], ["delivered_to"],
                                             batch_size=push.MAX_BATCH)

    if bad_tokens:
        report.tokens_deactivated = Device.objects.filter(pk__in=bad_tokens).update(
            active=False, deactivated_reason="FCM reported the token invalid"
        )

    # The outcome of each row, written per kind: one UPDATE for all sent rows, one per distinct
    # failure reason, one bulk UPDATE for the retries (each has its own jittered back-off).
    now = timezone.now()
    sent: list[int] = []
    no_device: list[int] = []
    failed: dict[str, list[int]] = {}
    retries: list[Notification] = []
    for n in rows:
        if n.pk in retry_rows and n.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
            # FCM's Retry-After (a 429) is a floor: earlier would only meet another 429.
            wait = max(backoff_seconds(n.attempts), retry_after.get(n.pk, 0.0))
            n.push_state, n.push_after, n.lease_until = PushState.PENDING, now + timedelta(seconds=wait), None
            n.last_error = failed_reason.get(n.pk, "")[:300]
            retries.append(n)
            report.retry_ids.append(n.pk)
            report.retry_in = wait if report.retry_in is None else min(report.retry_in, wait)
        elif delivered[n.pk]:
            sent.append(n.pk)
        elif n.pk in failed_reason:
            failed.setdefault(failed_reason[n.pk][:300], []).append(n.pk)
        else:
            no_device.append(n.pk)
    if retries:
        Notification.objects.bulk_update(retries, ["push_state", "push_after", "lease_until", "last_error"],
                                         batch_size=push.MAX_BATCH)
    if sent:
        Notification.objects.filter(pk__in=sent).update(
            push_state=PushState.SENT, sent_at=now, lease_until=None, last_error=""
        )
    for reason, pks in failed.items():
        Notification.objects.filter(pk__in=pks).update(push_state=PushState.FAILED, lease_until=None,
                                                       last_error=reason)
    if no_device:
        Notification.objects.filter(pk__in=no_device).update(
            push_state=PushState.NOT_PUSHED, lease_until=None, last_error="no active device"
        )
    report.retry, report.sent = len(retries), len(sent)
    report.failed, report.not_pushed = sum(len(p) for p in failed.values()), len(no_device)
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
