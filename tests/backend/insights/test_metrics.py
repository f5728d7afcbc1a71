"""/metrics after a short scripted session: every figure of the pipeline and the product is there,
with the value the database holds; the scrape costs a fixed number of queries and is shared for a
few seconds through the cache."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from backend.insights.metrics import METRICS_QUERIES, SNAPSHOT_CACHE_KEY, metrics_snapshot
from backend.listening.models import Signal, SignalEvent
from notifications.models import Device, LiveEvent, Notification, QuietHours, WebhookDelivery
from notifications.tasks import sweep_outbox
from tests.factories import SignalFactory
from tests.integrations.conftest import receiver, subscribe  # noqa: F401  (fixture)
from tests.notifications.conftest import _eager_tasks, fake_fcm, firebase_credentials  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

LEAD_NL = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen?"
COMPLAINT_NL = "De app van mijn zus loopt steeds vast bij het inloggen, ze is er klaar mee."


def scrape(api_client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    # The figures of this moment, not of a scrape a moment ago (not cache.clear(): on Redis that
    # flushes the database the broker's queue is in).
    cache.delete(SNAPSHOT_CACHE_KEY)
    response = api_client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def _short_retries(settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    settings.WEBHOOK_TIMEOUT_SECONDS = 2


def test_a_short_session_shows_every_metric_with_the_databases_figures(
    bank, client_for, api_client, fake_fcm, firebase_credentials, receiver, _short_retries,  # noqa: F811
    django_capture_on_commit_callbacks, settings,
) -> None:
    for person in (bank.sam, bank.pieter, bank.emma):
        QuietHours.objects.create(user=person, enabled=False)  # the hour the suite runs must not matter
    Device.objects.create(user=bank.sam, token="sam-" + "a" * 40, platform="android")
    Device.objects.create(user=bank.pieter, token="pieter-" + "b" * 40, platform="ios")
    fake_fcm.token_errors["pieter-" + "b" * 40] = "UNREGISTERED"
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    before = scrape(api_client)

    # Emma passes on a lead; Sales NL is told (pushed); Sam claims it (a webhook goes to the CRM).
    with django_capture_on_commit_callbacks(execute=True):
        lead = client_for(bank.emma).post("/api/v1/signals/", {"text": LEAD_NL, "kind": "lead"}, format="json")
    assert lead.status_code == 201, lead.content
    with django_capture_on_commit_callbacks(execute=True):
        claim = client_for(bank.sam).post(f"/api/v1/signals/{lead.json()['id']}/claim/")
    assert claim.status_code == 200, claim.content
    # Nothing is sure enough: the next one goes to triage.
    settings.RELAY_ROUTING_CONFIDENCE_THRESHOLD = 1.01
    with django_capture_on_commit_callbacks(execute=True):
        triaged = client_for(bank.emma).post("/api/v1/signals/", {"text": COMPLAINT_NL}, format="json")
    assert triaged.status_code == 201 and triaged.json()["team"]["name"] == "Triage", triaged.content
    # A live event nobody published in time is dropped by the sweeper; an SLA step was taken twice.
    stale = LiveEvent.objects.create(group="user-1", type="signal.routed")
    LiveEvent.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    sweep_outbox()  # what beat does every minute
    signal = Signal.objects.get(pk=lead.json()["id"])
    SignalEvent.objects.create(signal=signal, type="sla_reminded")
    SignalEvent.objects.create(signal=signal, type="sla_escalated")
    SignalEvent.objects.create(signal=SignalFactory.create(team=bank.support, kind="complaint"), type="sla_reminded")
    # A push waiting for its retry, and one stuck for ten minutes (its worker died).
    Notification.objects.create(user=bank.rita, type="x", category="queue", title="t", attempts=1,
                                push_after=timezone.now() + timedelta(minutes=5))
    stuck = Notification.objects.create(user=bank.rita, type="x", category="queue", title="t")
    Notification.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=10))

    m = scrape(api_client)

    # The product: signals per kind and team, the share in triage, confidence, time to claim, SLA.
    assert value(m, "relay_signals_total", kind="lead", team="sales-nl") == 1
    assert value(m, "relay_signals_triaged_total", kind="lead", team="sales-nl") == 0
    triage_kind = triaged.json()["kind"]
    assert value(m, "relay_signals_triaged_total", kind=triage_kind, team="triage") == 1
    assert value(m, "relay_signals_triage_ratio") == pytest.approx(1 / 3)  # with the SLA test's complaint
    assert value(m, "relay_signal_confidence_count", kind="lead") == 1
    assert value(m, "relay_signal_confidence_sum", kind="lead") == pytest.approx(signal.confidence)
    low = [b for b in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0) if b < signal.confidence]
    assert all(value(m, "relay_signal_confidence_bucket", kind="lead", le=str(b)) == 0 for b in low)
    assert value(m, "relay_signal_confidence_bucket", kind="lead", le="1.0") == 1
    claimed = SignalEvent.objects.get(signal=signal, type="claimed").created_at
    assert value(m, "relay_signal_time_to_first_claim_seconds_count", kind="lead") == 1
    assert value(m, "relay_signal_time_to_first_claim_seconds_sum", kind="lead") == pytest.approx(
        (claimed - signal.created_at).total_seconds(), abs=0.001)
    assert value(m, "relay_signal_time_to_first_claim_seconds_bucket", kind="lead", le="60.0") == 1
    assert ("relay_signal_time_to_first_claim_seconds_count", (("kind", triage_kind),)) not in m  # not claimed
    assert value(m, "relay_sla_breaches_total", type="sla_reminded", kind="lead", team="sales-nl") == 1
    assert value(m, "relay_sla_breaches_total", type="sla_escalated", kind="lead", team="sales-nl") == 1
    assert value(m, "relay_sla_breaches_total", type="sla_reminded", kind="complaint", team="support") == 1

    # The pipeline: pushes, live events, webhooks, the outbox's oldest due row, the Celery queue.
    sent = Notification.objects.filter(push_state="sent")
    assert sent.filter(user=bank.sam).exists(), "Sam's phone was told of the new lead"
    assert value(m, "relay_push_results", outcome="sent") == sent.count()
    assert value(m, "relay_push_results", outcome="invalid_token") == 1  # Pieter's token, rejected by FCM
    assert value(m, "relay_push_results", outcome="retry") == 1
    assert value(m, "relay_push_results", outcome="failed") == 0
    pending = Notification.objects.filter(push_state="pending").count()
    assert pending >= 2 and value(m, "relay_outbox_rows", outbox="notifications", state="pending") == pending
    assert 600 <= value(m, "relay_outbox_oldest_due_seconds", outbox="notifications") < 660
    assert value(m, "relay_outbox_oldest_due_seconds", outbox="webhooks") == 0
    assert value(m, "relay_outbox_oldest_due_seconds", outbox="emails") == 0  # no mail in this session
    published = LiveEvent.objects.filter(state="published").count()
    assert published > 0
    assert value(m, "relay_live_events", outcome="published") == published
    assert value(m, "relay_live_events", outcome="dropped") == 1
    assert WebhookDelivery.objects.get().state == "delivered"
    assert value(m, "relay_webhook_deliveries", outcome="delivered") == 1
    assert value(m, "relay_webhook_deliveries", outcome="failed") == 0
    assert value(m, "relay_celery_broker_up") == 1
    assert ("relay_celery_queue_length", (("queue", "celery"),)) in m

    # Per view: this process's counters moved by exactly this session's requests.
    def requests(m: dict, view: str, method: str, status: str) -> float:
        return m.get(("relay_http_requests_total", (("method", method), ("status", status), ("view", view))), 0.0)

    assert requests(m, "v1:signal-create", "POST", "201") - requests(before, "v1:signal-create", "POST", "201") == 2
    assert requests(m, "v1:signal-claim", "POST", "200") - requests(before, "v1:signal-claim", "POST", "200") == 1
    assert value(m, "relay_http_request_duration_seconds_count", view="v1:signal-claim", method="POST") >= 1


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task always goes to the broker
def test_the_celery_queue_length_is_the_brokers(api_client, settings) -> None:
    from backend.celery import app

    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail("this test needs REDIS_URL (the broker)")
    queued_before = value(scrape(api_client), "relay_celery_queue_length", queue="celery")
    app.send_task("notifications.sweep_outbox")  # to the broker, even with eager tasks: no worker here
    try:
        assert value(scrape(api_client), "relay_celery_queue_length", queue="celery") == queued_before + 1
    finally:
        app.control.purge()


def test_without_a_redis_broker_there_is_no_queue_length(api_client, settings) -> None:
    settings.CELERY_BROKER_URL = "memory://localhost/"

    samples = scrape(api_client)

    assert not [key for key in samples if key[0].startswith("relay_celery")]
    assert ("relay_outbox_rows", (("outbox", "notifications"), ("state", "pending"))) not in samples  # no rows


def test_a_scrape_costs_a_fixed_number_of_queries_and_is_shared_for_a_few_seconds(bank, settings) -> None:
    for _ in range(3):
        signal = SignalFactory.create(team=bank.sales_nl)
        SignalEvent.objects.create(signal=signal, type="claimed")
        SignalEvent.objects.create(signal=signal, type="sla_reminded")
    cache.delete(SNAPSHOT_CACHE_KEY)

    with CaptureQueriesContext(connection) as first:
        metrics_snapshot()
    SignalFactory.create_batch(5, team=bank.support, kind="complaint")
    with CaptureQueriesContext(connection) as cached:
        again = metrics_snapshot()
    with CaptureQueriesContext(connection) as fresh:
        later = metrics_snapshot(use_cache=False)

    assert len(first.captured_queries) == METRICS_QUERIES == 9
    assert len(cached.captured_queries) == 0  # METRICS_CACHE_SECONDS: several scrapers share one computation
    assert len(fresh.captured_queries) == METRICS_QUERIES  # as many with more rows
    assert sum(r["n"] for r in again["signals"]) == 3
    assert sum(r["n"] for r in later["signals"]) == 8
