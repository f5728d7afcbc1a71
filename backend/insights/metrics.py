"""The pipeline's and the product's health for Prometheus, computed at scrape time from the database
(and the broker's Redis), so that every web process answers the same whichever one is scraped.

Nothing here is process-local: `metrics_snapshot` runs a fixed handful of aggregate queries
(`METRICS_QUERIES`, asserted by tests/insights/test_metrics.py) and keeps the result in Django's
cache (shared by the processes) for METRICS_CACHE_SECONDS; `RelayCollector` turns it into metric
families. Per-view request counts and latencies are process-local by nature and live in
backend/core/middleware.py.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, Min, Model, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from backend.listening.models import EventType, Signal, SignalEvent
from notifications.models import Device, EmailMessage, LiveEvent, Notification, WebhookDelivery


@dataclass(frozen=True)
class Outbox:
    """One kind of outbox row. Adding an outbox (the e-mail one) to the metrics is one more line in
    OUTBOXES: its rows by state, the retrying ones, and the age of the oldest one that is due."""

    name: str
    model: type[Model]
    state_field: str
    pending_states: tuple[str, ...]
    # Quiet hours or retry back-off: a row is not late before this time (None: due when written).
    due_field: str | None = None
    has_attempts: bool = True


OUTBOXES: tuple[Outbox, ...] = (
    Outbox("notifications", Notification, "push_state", ("pending", "sending"), due_field="push_after"),
    Outbox("live_events", LiveEvent, "state", ("pending",), has_attempts=False),
    Outbox("webhooks", WebhookDelivery, "state", ("pending", "sending"), due_field="next_attempt_at"),
    Outbox("emails", EmailMessage, "state", ("pending", "sending"), due_field="next_attempt_at"),
)
# What deliver() writes on a device whose token FCM rejected (notifications/delivery.py).
INVALID_TOKEN_REASON = "FCM reported the token invalid"
CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
CLAIM_BUCKETS_SECONDS = (60, 300, 900, 1800, 3600, 4 * 3600, 8 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600)
# One per outbox, the invalid tokens, signals by kind and team, confidence, time to claim, SLA breaches.
METRICS_QUERIES = len(OUTBOXES) + 5
SNAPSHOT_CACHE_KEY = "metrics:snapshot:v1"


def _outbox_figures(outbox: Outbox, now: Any) -> dict[str, Any]:
    state = outbox.state_field
    pending = Q(**{f"{state}__in": outbox.pending_states})
    if outbox.due_field:
        due = pending & (Q(**{f"{outbox.due_field}__isnull": True}) | Q(**{f"{outbox.due_field}__lte": now}))
        due_since: Any = Coalesce(F(outbox.due_field), F("created_at"))
    else:
        due, due_since = pending, F("created_at")
    aggregates: dict[str, Any] = {"n": Count("pk"), "oldest": Min(due_since, filter=due)}
    if outbox.has_attempts:
        aggregates["retrying"] = Count("pk", filter=pending & Q(attempts__gt=0))
    rows = list(outbox.model._default_manager.order_by().values(state).annotate(**aggregates))
    oldest = [r["oldest"] for r in rows if r["oldest"] is not None]
    return {
        "states": {r[state]: r["n"] for r in rows},
        "retrying": sum(r.get("retrying", 0) for r in rows),
        "oldest_due_seconds": max(0.0, (now - min(oldest)).total_seconds()) if oldest else 0.0,
    }


def _histogram(row: Any, bounds: tuple[float, ...], total: float) -> dict[str, Any]:
    return {"buckets": [row[f"le_{i}"] for i in range(len(bounds))], "count": row["n"], "sum": total}


def _celery_queue() -> dict[str, Any] | None:
    """LLEN of the default queue and the tasks workers hold unacknowledged; None when the broker is
    not Redis (the embedded default runs tasks in-process: there is no queue)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        with client.pipeline(transaction=False) as pipe:
            pipe.llen(queue)
            pipe.hlen("unacked")  # kombu's Redis key names: the queue, and the tasks held unacknowledged
            length, unacked = pipe.execute()
    except redis.RedisError:
        return {"queue": queue, "up": 0}
    return {"queue": queue, "up": 1, "length": int(length), "unacked": int(unacked)}


def metrics_snapshot(*, use_cache: bool = True) -> dict[str, Any]:
    """Every figure of the collector, as plain data (it is cached as such)."""
    if use_cache and (cached := cache.get(SNAPSHOT_CACHE_KEY)) is not None:
        return dict(cached)
    now = timezone.now()
    outboxes = {outbox.name: _outbox_figures(outbox, now) for outbox in OUTBOXES}
    invalid_tokens = Device.objects.filter(active=False, deactivated_reason=INVALID_TOKEN_REASON).count()

    went_to_triage = SignalEvent.objects.filter(signal=OuterRef("pk"), type=EventType.ROUTED, data__in_triage=True)
    by_kind_team = [
        {"kind": r["kind"], "team": r["team__slug"] or "none", "n": r["n"], "triaged": r["triaged"]}
        for r in Signal.objects.order_by().values("kind", "team__slug").annotate(
            n=Count("pk"), triaged=Count("pk", filter=Q(Exists(went_to_triage))),
        )
    ]
    confidence = {
        r["kind"]: _histogram(r, CONFIDENCE_BUCKETS, r["total"] or 0.0)
        for r in Signal.objects.order_by().values("kind").annotate(
            n=Count("pk"), total=Sum("confidence"),
            **{f"le_{i}": Count("pk", filter=Q(confidence__lte=b)) for i, b in enumerate(CONFIDENCE_BUCKETS)},
        )
    }
    first_claim = SignalEvent.objects.filter(signal=OuterRef("pk"), type=EventType.CLAIMED).order_by("created_at")
    window_start = now - timedelta(days=settings.METRICS_CLAIM_WINDOW_DAYS)
    claims = (
        Signal.objects.order_by().filter(created_at__gte=window_start)
        .annotate(claimed=Subquery(first_claim.values("created_at")[:1]))
        .filter(claimed__isnull=False)
        .annotate(wait=ExpressionWrapper(F("claimed") - F("created_at"), output_field=DurationField()))
        .values("kind")
        .annotate(
            n=Count("pk"), total=Sum("wait"),
            **{f"le_{i}": Count("pk", filter=Q(wait__lte=timedelta(seconds=b)))
               for i, b in enumerate(CLAIM_BUCKETS_SECONDS)},
        )
    )
    time_to_claim = {
        r["kind"]: _histogram(r, CLAIM_BUCKETS_SECONDS, r["total"].total_seconds() if r["total"] else 0.0)
        for r in claims
    }
    sla = [
        {"type": r["type"], "kind": r["signal__kind"], "team": r["signal__team__slug"] or "none", "n": r["n"]}
        for r in SignalEvent.objects.order_by().filter(type__startswith="sla_")
        .values("type", "signal__kind", "signal__team__slug").annotate(n=Count("pk"))
    ]
    snapshot = {
        "outboxes": outboxes, "invalid_tokens": invalid_tokens, "signals": by_kind_team,
        "confidence": confidence, "time_to_claim": time_to_claim, "sla": sla, "celery": _celery_queue(),
        "computed_at": now.timestamp(),
    }
    cache.set(SNAPSHOT_CACHE_KEY, snapshot, settings.METRICS_CACHE_SECONDS)
    return snapshot


def _histogram_family(name: str, doc: str, data: dict[str, dict[str, Any]], bounds: tuple[float, ...]) -> Metric:
    family = HistogramMetricFamily(name, doc, labels=["kind"])
    for kind, h in sorted(data.items()):
        buckets = [(floatToGoString(b), float(c)) for b, c in zip(bounds, h["buckets"], strict=True)]
        family.add_metric([kind], buckets=[*buckets, ("+Inf", float(h["count"]))], sum_value=float(h["sum"]))
    return family


class RelayCollector(Collector):
    """prometheus-client calls `collect()` on every scrape of /metrics (mobile_api/metrics.py)."""

    def describe(self) -> list[Metric]:
        return []  # no names checked at registration: registering must not query the database

    def collect(self) -> Iterator[Metric]:
        s = metrics_snapshot()
        rows = GaugeMetricFamily("relay_outbox_rows", "Outbox rows by outbox and state.", labels=["outbox", "state"])
        oldest = GaugeMetricFamily(
            "relay_outbox_oldest_due_seconds",
            "Age of the oldest outbox row that is due and not yet delivered (0: none).", labels=["outbox"],
        )
        retrying = GaugeMetricFamily("relay_outbox_retrying_rows", "Pending rows that have failed at least once.",
                                     labels=["outbox"])
        for name, figures in s["outboxes"].items():
            for state, n in sorted(figures["states"].items()):
                rows.add_metric([name, state], n)
            oldest.add_metric([name], figures["oldest_due_seconds"])
            retrying.add_metric([name], figures["retrying"])
        yield from (rows, oldest, retrying)

        notes = s["outboxes"]["notifications"]
        push = GaugeMetricFamily(
            "relay_push_results",
            "Pushes by outcome: notifications sent, failed, waiting to retry, not pushed (no device or no "
            "provider), suppressed (preferences); invalid_token counts devices whose token FCM rejected.",
            labels=["outcome"],
        )
        for outcome, state in (("sent", "sent"), ("failed", "failed"), ("not_pushed", "not_pushed"),
                               ("suppressed", "suppressed")):
            push.add_metric([outcome], notes["states"].get(state, 0))
        push.add_metric(["retry"], notes["retrying"])
        push.add_metric(["invalid_token"], s["invalid_tokens"])
        yield push

        live = s["outboxes"]["live_events"]["states"]
        events = GaugeMetricFamily(
            "relay_live_events", "Live websocket events kept (LIVE_EVENT_KEEP_HOURS): published, or dropped "
            "as too old to matter, or pending.", labels=["outcome"],
        )
        for outcome, state in (("published", "published"), ("dropped", "expired"), ("pending", "pending")):
            events.add_metric([outcome], live.get(state, 0))
        yield events

        hooks = s["outboxes"]["webhooks"]
        webhooks = GaugeMetricFamily("relay_webhook_deliveries", "Webhook deliveries by outcome.", labels=["outcome"])
        for outcome, state in (("delivered", "delivered"), ("failed", "failed"), ("pending", "pending"),
                               ("sending", "sending")):
            webhooks.add_metric([outcome], hooks["states"].get(state, 0))
        webhooks.add_metric(["retry"], hooks["retrying"])
        yield webhooks

        if s["celery"] is not None:
            up = GaugeMetricFamily("relay_celery_broker_up", "1 when the broker's Redis answered this scrape.")
            up.add_metric([], s["celery"]["up"])
            yield up
            queue = GaugeMetricFamily("relay_celery_queue_length", "Tasks waiting in the broker's queue.",
                                      labels=["queue"])
            unacked = GaugeMetricFamily("relay_celery_unacked_tasks",
                                        "Tasks handed to workers and not yet acknowledged (acks late).")
            queue.add_metric([s["celery"]["queue"]], s["celery"].get("length", math.nan))
            unacked.add_metric([], s["celery"].get("unacked", math.nan))
            yield from (queue, unacked)

        # Signals are never deleted (only their contact details are purged): these only grow.
        signals = CounterMetricFamily("relay_signals", "Signals captured, by kind and the team routed to.",
                                      labels=["kind", "team"])
        triaged = CounterMetricFamily("relay_signals_triaged", "Signals the router sent to the triage team.",
                                      labels=["kind", "team"])
        for r in sorted(s["signals"], key=lambda r: (r["kind"], r["team"])):
            signals.add_metric([r["kind"], r["team"]], r["n"])
            triaged.add_metric([r["kind"], r["team"]], r["triaged"])
        total = sum(r["n"] for r in s["signals"])
        share = GaugeMetricFamily("relay_signals_triage_ratio", "Share of all signals that went to triage.")
        share.add_metric([], sum(r["triaged"] for r in s["signals"]) / total if total else 0.0)
        yield from (signals, triaged, share)

        yield _histogram_family("relay_signal_confidence", "The classifier's confidence in the kind, per kind.",
                                s["confidence"], CONFIDENCE_BUCKETS)
        yield _histogram_family(
            "relay_signal_time_to_first_claim_seconds",
            f"Seconds from capture to the first claim, of the signals created in the last "
            f"{settings.METRICS_CLAIM_WINDOW_DAYS} days that were claimed (METRICS_CLAIM_WINDOW_DAYS).",
            s["time_to_claim"], CLAIM_BUCKETS_SECONDS,
        )
        sla = CounterMetricFamily("relay_sla_breaches", "SLA steps taken (history events sla_*): by step, kind and team.",
                                  labels=["type", "kind", "team"])
        for r in sorted(s["sla"], key=lambda r: (r["type"], r["kind"], r["team"])):
            sla.add_metric([r["type"], r["kind"], r["team"]], r["n"])
        yield sla
