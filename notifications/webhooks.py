"""Moving webhook deliveries out of the outbox (issue 18): claim, sign, POST, record — idempotently.

The same shape as `notifications.delivery` for pushes: rows written in the event's transaction
(`notifications.services.outbox_write(webhooks=...)`), leased with `skip_locked` by the one
delivery task after commit, retried with jittered back-off, re-queued by the sweeper.

- Signed per the Standard Webhooks specification by the `standardwebhooks` package; the row's
  `msg_id` is the `webhook-id` of every attempt, so a receiver applies each event once.
- One ordering key (a signal) of one subscription is delivered strictly in sequence order: a row
  is claimable only when no earlier row of its key is still pending or in flight.
- Each attempt has a timeout and follows no redirect; targets on loopback, link-local or private
  addresses are refused unless WEBHOOK_ALLOW_PRIVATE (server-side request forgery).
- Retries for WEBHOOK_RETRY_WINDOW_SECONDS (24 h), honouring Retry-After; a 410 disables the
  subscription; a subscription failing for WEBHOOK_DISABLE_AFTER_SECONDS (3 days) is disabled and its
  team lead and the admins are told in the inbox.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from backend.people.models import Membership, Role, User
from notifications import leases
from notifications.models import Category, Priority, WebhookDelivery, WebhookState, WebhookSubscription

logger = logging.getLogger(__name__)

EVENTS = ("signal.routed", "signal.claimed", "signal.transitioned", "signal.note_added", "signal.withdrawn",
          "story.published")


@dataclass
class WebhookReport:
    claimed: int = 0
    delivered: int = 0
    retry: int = 0
    failed: int = 0
    retry_in: float | None = None
    retry_ids: list[int] = field(default_factory=list)
    switched_off: set[int] = field(default_factory=set)  # subscriptions switched off during this run


class TargetRefused(Exception):
    """The URL resolves to an address Relay must not call (SSRF guard)."""


def target_check(url: str) -> None:
    """Refuse loopback, link-local, private and other non-public targets unless WEBHOOK_ALLOW_PRIVATE.

    Checked before every attempt (DNS can change between attempts)."""
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    host = urlsplit(url).hostname or ""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise TargetRefused(f"cannot resolve {host}") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if not address.is_global or address.is_multicast:
            raise TargetRefused(f"{host} resolves to a non-public address")


def secrets_signing(sub: WebhookSubscription, now: datetime) -> list[str]:
    """The current secret, and during a rotation's overlap the previous one too."""
    keys = [sub.secret]
    if sub.previous_secret and sub.previous_secret_until and sub.previous_secret_until > now:
        keys.append(sub.previous_secret)
    return keys


def signed_headers(*, secrets: list[str], msg_id: str, body: str, at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers; one `v1,` signature per secret, space-separated."""
    signatures = [Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body) for secret in secrets]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return max(float(value), 0.0)
    except ValueError:
        try:
            return max((parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds(), 0.0)
        except (TypeError, ValueError):
            return 0.0


def _claim(ids: list[int] | None, now: datetime, limit: int) -> list[WebhookDelivery]:
    """Lease due rows whose predecessors (same subscription and key) are all done; `skip_locked`
    lets several workers share the outbox."""
    earlier_open = WebhookDelivery.objects.filter(
        subscription=OuterRef("subscription"), ordering_key=OuterRef("ordering_key"), sequence__lt=OuterRef("sequence"),
        state__in=[WebhookState.PENDING, WebhookState.SENDING],
    )
    rows = (WebhookDelivery.objects.filter(subscription__active=True).filter(~Exists(earlier_open))
            .select_related("subscription"))
    return leases.lease(rows, ids=ids, now=now, limit=limit, seconds=settings.WEBHOOK_LEASE_SECONDS)


def _post(client: httpx.Client, row: WebhookDelivery, now: datetime) -> tuple[int | None, float, str, float]:
    """(status code or None, seconds taken, error, Retry-After seconds)."""
    sub = row.subscription
    body = json.dumps({**row.payload, "id": row.msg_id, "timestamp": row.created_at.isoformat()},
                      separators=(",", ":"), sort_keys=True)
    started = time.monotonic()
    try:
        target_check(sub.url)
        headers = signed_headers(secrets=secrets_signing(sub, now), msg_id=row.msg_id, body=body, at=now)
        response = client.post(sub.url, content=body.encode(), headers=headers)
    except TargetRefused as exc:
        return None, time.monotonic() - started, f"refused: {exc}", 0.0
    except httpx.HTTPError as exc:
        return None, time.monotonic() - started, f"{type(exc).__name__}: {exc}"[:300], 0.0
    took = time.monotonic() - started
    # Only the code is kept: a receiver's body may echo what it got, and the console never shows it.
    return response.status_code, took, "" if response.is_success else f"HTTP {response.status_code}", \
        _retry_after(response.headers.get("retry-after"))


def deliver(*, delivery_ids: list[int] | None = None) -> WebhookReport:
    """Deliver the given rows (all due ones when None); then, while any row of a key was delivered,
    the next rows of that key, so one run drains an ordered backlog."""
    report = WebhookReport()
    todo = set(delivery_ids) if delivery_ids is not None else None
    # The lease must outlast the rows posted one by one, or a live worker's rows would be taken over.
    limit = max(1, min(settings.WEBHOOK_CLAIM_BATCH,
                       int(settings.WEBHOOK_LEASE_SECONDS // (settings.WEBHOOK_TIMEOUT_SECONDS + 1))))
    with httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False,
                      headers={"user-agent": "Relay-Webhooks/1"}) as client:
        while todo is None or todo:
            now = timezone.now()
            rows = _claim(sorted(todo) if todo is not None else None, now, limit)
            report.claimed += len(rows)
            if not rows:
                break
            done_keys = Q(pk__in=[])
            for row in rows:
                if row.subscription_id in report.switched_off:
                    # Leased before its subscription was switched off in this run: not sent.
                    WebhookDelivery.objects.filter(pk=row.pk).update(
                        state=WebhookState.FAILED, lease_until=None, last_error="the subscription was switched off")
                    report.failed += 1
                    done_keys |= Q(subscription_id=row.subscription_id, ordering_key=row.ordering_key)
                    continue
                # Each attempt is stamped when it leaves: a long wave must not age the later ones.
                code, took, error, retry_after = _post(client, row, timezone.now())
                if _record(row, code=code, took=took, error=error, retry_after=retry_after, report=report):
                    done_keys |= Q(subscription_id=row.subscription_id, ordering_key=row.ordering_key)
            if todo is not None:
                todo -= {row.pk for row in rows}
                todo |= set(WebhookDelivery.objects.filter(done_keys, state=WebhookState.PENDING)
                            .values_list("pk", flat=True)[:1000])
    return report


def _record(row: WebhookDelivery, *, code: int | None, took: float, error: str, retry_after: float,
            report: WebhookReport) -> bool:
    """Write the attempt's outcome; True when the row is finished (delivered or given up), which
    unblocks the next row of its key."""
    now = timezone.now()
    sub = row.subscription
    common = {"lease_until": None, "response_code": code, "latency_ms": int(took * 1000), "last_error": error[:300]}
    if code is not None and 200 <= code < 300:
        WebhookDelivery.objects.filter(pk=row.pk).update(state=WebhookState.DELIVERED, delivered_at=now, **common)
        if sub.failing_since is not None:
            WebhookSubscription.objects.filter(pk=sub.pk).update(failing_since=None)
        report.delivered += 1
        return True
    refused = error.startswith("refused:")
    gone = code == 410
    window_over = now - row.created_at >= timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS)
    if gone or refused or window_over:
        WebhookDelivery.objects.filter(pk=row.pk).update(state=WebhookState.FAILED, **common)
        report.failed += 1
        if gone:
            _disable(sub, reason="the receiver answered 410 Gone")
            report.switched_off.add(sub.pk)
        elif _failing(sub, now):
            report.switched_off.add(sub.pk)
        return True
    backoff = leases.backoff_seconds(row.attempts, base=settings.WEBHOOK_RETRY_BASE_SECONDS,
                                     cap=settings.WEBHOOK_RETRY_MAX_SECONDS)
    wait = max(backoff, min(retry_after, settings.WEBHOOK_RETRY_MAX_SECONDS))
    WebhookDelivery.objects.filter(pk=row.pk).update(
        state=WebhookState.PENDING, next_attempt_at=now + timedelta(seconds=wait), **common
    )
    report.retry += 1
    report.retry_ids.append(row.pk)
    report.retry_in = wait if report.retry_in is None else min(report.retry_in, wait)
    if _failing(sub, now):
        report.switched_off.add(sub.pk)
    return False


def _failing(sub: WebhookSubscription, now: datetime) -> bool:
    """Record a failure; True when the run of failures reached 3 days and the subscription is off."""
    WebhookSubscription.objects.filter(pk=sub.pk, failing_since__isnull=True).update(failing_since=now)
    since = WebhookSubscription.objects.filter(pk=sub.pk).values_list("failing_since", flat=True).first()
    if since is not None and now - since >= timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS):
        _disable(sub, reason="failing for 3 days in a row")
        return True
    return False


@transaction.atomic
def _disable(sub: WebhookSubscription, *, reason: str) -> None:
    """Disable once (conditional update) and tell the team lead and the admins through the inbox."""
    from notifications.services import Draft, notify

    if not WebhookSubscription.objects.filter(pk=sub.pk, active=True).update(active=False, disabled_reason=reason):
        return
    # Its pending rows would only fail too: they are given up now, and visible in the console.
    WebhookDelivery.objects.filter(subscription=sub, state=WebhookState.PENDING).update(
        state=WebhookState.FAILED, last_error="the subscription was switched off", lease_until=None,
    )
    leads = set(Membership.objects.filter(team_id=sub.team_id, is_lead=True, user__is_active=True)
                .values_list("user_id", flat=True))
    admins = set(User.objects.filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True))
    host = urlsplit(sub.url).hostname or sub.url
    notify(
        Draft(user_id=uid, type="webhook.disabled", category=Category.QUEUE,
              title=f"Webhook to {host} was switched off", body=f"Relay stopped sending because {reason}.",
              data={"type": "webhook", "id": str(sub.pk)}, collapse_key=f"webhook-{sub.pk}", priority=Priority.HIGH)
        for uid in sorted(leads | admins)
    )


def sweep(*, now: datetime | None = None) -> list[int]:
    """Ids of rows that should be moving but are not: due pending rows past a grace, expired leases."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    due = (
        Q(state=WebhookState.PENDING)
        & ((Q(next_attempt_at__isnull=True) & Q(created_at__lte=grace)) | Q(next_attempt_at__lte=now))
    ) | Q(state=WebhookState.SENDING, lease_until__lt=now)
    # A subscription a person switched off keeps its pending rows; they move again when it is back on.
    return list(WebhookDelivery.objects.filter(due, subscription__active=True).order_by("pk")
                .values_list("pk", flat=True)[:50_000])
