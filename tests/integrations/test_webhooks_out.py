"""Webhooks out (issue 18): rows written in the event's transaction, delivered after commit by the one
delivery task to a real receiver on 127.0.0.1 that verifies with the `standardwebhooks` library."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.listening.services import signal_claim, signal_note_add, signal_transition
from notifications.models import Notification, WebhookDelivery, WebhookSubscription
from notifications.tasks import sweep_outbox
from notifications.webhooks import deliver
from tests.factories import SignalContactFactory, SignalFactory
from tests.integrations.conftest import new_secret, subscribe
from tests.integrations.receiver import Receiver

pytestmark = pytest.mark.django_db


def work_a_lead(bank, django_capture_on_commit_callbacks, *, text: str = "Buurman wil hypotheek") -> int:
    """Claim (new → claimed), contact, and a note: four events about one signal."""
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, text=text)
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)
    with django_capture_on_commit_callbacks(execute=True):
        signal_transition(signal_id=signal.pk, by=bank.sam, to="contacted")
    with django_capture_on_commit_callbacks(execute=True):
        signal_note_add(signal_id=signal.pk, by=bank.sam, text="Belt donderdag terug")
    return signal.pk


def drain(rounds: int = 50) -> None:
    """What beat does every minute: the sweeper re-queues due rows (eager here)."""
    for _ in range(rounds):
        if not WebhookDelivery.objects.filter(state__in=["pending", "sending"]).exists():
            return
        WebhookDelivery.objects.filter(state="pending").update(next_attempt_at=timezone.now())
        sweep_outbox()


def test_a_claimed_lead_reaches_the_receiver_signed_in_order_without_the_submitters_email(
    bank, receiver: Receiver, django_capture_on_commit_callbacks,
) -> None:
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, text="Bel Piet op 0612345678 voor hypotheek")
    SignalContactFactory.create(signal=signal, name="Piet", phone="+31612345678", consent=True)

    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)

    bodies = receiver.bodies()
    assert [b["type"] for b in bodies] == ["signal.claimed", "signal.transitioned"]
    assert [b["sequence"] for b in bodies] == [1, 2]
    data = bodies[1]["data"]
    assert (data["signal_id"], data["kind"], data["status"], data["language"]) == (signal.pk, "lead", "claimed", "nl")
    assert data["team"] == {"id": bank.sales_nl.pk, "name": "Sales NL"}
    assert data["submitter"] == {"id": bank.emma.pk, "display_name": "Emma"}
    assert "0612345678" not in data["text"] and "[phone]" in data["text"]
    assert data["contact"]["phone"] == "+31612345678"  # the handling team, with consent
    assert bank.emma.email not in receiver.dump()
    first = receiver.applied[receiver.applied_order[0]].headers
    assert first["webhook-signature"].startswith("v1,") and first["webhook-id"].startswith("msg_")
    rows = WebhookDelivery.objects.order_by("sequence")
    assert [(r.state, r.response_code) for r in rows] == [("delivered", 204), ("delivered", 204)]
    assert all(r.latency_ms is not None for r in rows)


def test_without_consent_the_payload_carries_no_contact(bank, receiver, django_capture_on_commit_callbacks) -> None:
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    SignalContactFactory.create(signal=signal, name="Piet", phone="", consent=False)

    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)

    (body,) = receiver.bodies()
    assert "contact" not in body["data"]


def test_another_teams_subscription_hears_nothing(bank, receiver, django_capture_on_commit_callbacks) -> None:
    subscribe(bank.support, receiver.url, secret=receiver.secret)
    work_a_lead(bank, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 0 and receiver.requests == []


def test_receiver_down_for_a_while_then_back_every_event_arrives_once_in_order_per_signal(
    bank, receiver: Receiver, django_capture_on_commit_callbacks,
) -> None:
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret)
    receiver.stop()
    signals = [work_a_lead(bank, django_capture_on_commit_callbacks, text=f"lead {i}") for i in range(3)]

    # While it is down only the head of each signal's line was tried; the rest wait behind it.
    rows = WebhookDelivery.objects.all()
    assert rows.count() == 12
    heads = {min(r.sequence for r in rows if r.ordering_key == f"signal:{s}") for s in signals}
    assert {r.sequence for r in rows if r.attempts} == heads
    assert all(r.state == "pending" and r.last_error for r in rows if r.attempts)

    receiver.start()
    drain()

    assert WebhookDelivery.objects.exclude(state="delivered").count() == 0
    assert len(receiver.applied) == 12 and receiver.duplicates == 0 and receiver.bad_signatures == 0
    for s in signals:
        seen = [b for b in receiver.bodies() if b["data"]["signal_id"] == s]
        assert [b["type"] for b in seen] == ["signal.claimed", "signal.transitioned", "signal.transitioned",
                                             "signal.note_added"]
        assert [b["sequence"] for b in seen] == sorted(b["sequence"] for b in seen)
        assert [b["data"]["status"] for b in seen] == ["claimed", "claimed", "contacted", "contacted"]


def test_a_500_then_a_200_is_applied_once_with_the_same_webhook_id(
    bank, receiver: Receiver, django_capture_on_commit_callbacks,
) -> None:
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    receiver.codes = [500]
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)
    row = WebhookDelivery.objects.get()
    assert (row.state, row.response_code, row.attempts) == ("pending", 500, 1)

    drain()

    row.refresh_from_db()
    assert (row.state, row.response_code, row.attempts) == ("delivered", 204, 2)
    assert receiver.requests == [row.msg_id, row.msg_id]
    assert list(receiver.applied) == [row.msg_id] and receiver.duplicates == 0


def test_retry_after_is_honoured(bank, receiver, django_capture_on_commit_callbacks, settings) -> None:
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    receiver.codes, receiver.retry_after = [429], "120"
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)
    row = WebhookDelivery.objects.get()
    assert row.state == "pending" and row.next_attempt_at is not None
    assert row.next_attempt_at >= before + timedelta(seconds=119)
    assert sweep_outbox() == 0  # not due yet: nothing is re-sent early
    assert len(receiver.requests) == 1


def test_a_slow_receiver_times_out_and_is_retried(bank, receiver, django_capture_on_commit_callbacks, settings) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    receiver.delay = 1.0
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)
    row = WebhookDelivery.objects.get()
    assert row.state == "pending" and "Timeout" in row.last_error and (row.latency_ms or 0) < 900

    receiver.delay = 0
    drain()
    row.refresh_from_db()
    assert row.state == "delivered"
    # The slow answer may have been applied too; the receiver applies one webhook-id once.
    assert list(receiver.applied) == [row.msg_id]


def test_a_redirect_is_not_followed(bank, receiver, django_capture_on_commit_callbacks) -> None:
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    receiver.redirect = True
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)
    row = WebhookDelivery.objects.get()
    assert (row.state, row.response_code) == ("pending", 307)
    assert receiver.redirected_hits == 0 and receiver.applied == {}


@pytest.mark.parametrize("url", ["http://10.0.0.7/hooks", "http://169.254.169.254/latest/meta-data", "loopback"])
def test_a_private_target_is_refused(bank, receiver, django_capture_on_commit_callbacks, settings, url) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False
    subscribe(bank.sales_nl, receiver.url if url == "loopback" else url, secret=receiver.secret,
              events=("signal.claimed",))
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)
    row = WebhookDelivery.objects.get()
    assert row.state == "failed" and row.last_error.startswith("refused:") and row.response_code is None
    assert receiver.requests == []


def test_410_disables_the_subscription_and_tells_the_lead_and_admins(
    bank, receiver, django_capture_on_commit_callbacks,
) -> None:
    sub = subscribe(bank.sales_nl, receiver.url, secret=receiver.secret)
    receiver.codes = [410]
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)

    sub.refresh_from_db()
    assert not sub.active and "410" in sub.disabled_reason
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"failed"}
    told = set(Notification.objects.filter(type="webhook.disabled").values_list("user_id", flat=True))
    assert told == {bank.pieter.pk, bank.admin.pk}
    assert len(receiver.requests) == 1  # the queued transition was not tried against a gone receiver


def test_three_days_of_failures_disable_the_subscription(bank, receiver, django_capture_on_commit_callbacks) -> None:
    sub = subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    WebhookSubscription.objects.filter(pk=sub.pk).update(failing_since=timezone.now() - timedelta(days=3))
    receiver.codes = [503]
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)
    sub.refresh_from_db()
    assert not sub.active and sub.disabled_reason == "failing for 3 days in a row"
    assert Notification.objects.filter(type="webhook.disabled", user=bank.pieter).count() == 1


def test_a_success_ends_a_run_of_failures(bank, receiver, django_capture_on_commit_callbacks) -> None:
    sub = subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    receiver.codes = [502]
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)
    sub.refresh_from_db()
    assert sub.failing_since is not None
    drain()
    sub.refresh_from_db()
    assert sub.failing_since is None and sub.active


def test_a_delivery_failing_for_24_hours_is_given_up(bank, receiver, django_capture_on_commit_callbacks) -> None:
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    receiver.codes = [503, 503]
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)
    WebhookDelivery.objects.update(created_at=timezone.now() - timedelta(hours=24), next_attempt_at=None)
    deliver()
    row = WebhookDelivery.objects.get()
    assert (row.state, row.attempts) == ("failed", 2)


def test_during_a_secret_rotation_both_signatures_are_sent(bank, receiver, django_capture_on_commit_callbacks) -> None:
    old = receiver.secret
    sub = subscribe(bank.sales_nl, receiver.url, secret=new_secret(), events=("signal.claimed",))
    WebhookSubscription.objects.filter(pk=sub.pk).update(previous_secret=old,
                                                         previous_secret_until=timezone.now() + timedelta(hours=1))
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with django_capture_on_commit_callbacks(execute=True):
        signal_claim(signal_id=signal.pk, by=bank.sam)
    (received,) = receiver.applied.values()  # verified with the old secret only
    assert len(received.headers["webhook-signature"].split(" ")) == 2


def test_a_rolled_back_event_writes_no_delivery(bank, receiver, django_capture_on_commit_callbacks) -> None:
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception, match="cannot go"):
        signal_transition(signal_id=signal.pk, by=bank.sam, to="won", note="x")
    assert WebhookDelivery.objects.count() == 0 and receiver.requests == []


def test_a_published_story_reaches_every_subscription_that_wants_it(
    bank, receiver, django_capture_on_commit_callbacks,
) -> None:
    from backend.sharing.services import story_schedule
    from tests.factories import StoryFactory

    subscribe(bank.marketing, receiver.url, secret=receiver.secret, events=("story.published",))
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.routed",))
    story = StoryFactory.create(state="draft", published_at=None, title="Zonnepanelen")

    with django_capture_on_commit_callbacks(execute=True):
        story_schedule(story_id=story.pk)

    (body,) = receiver.bodies()
    assert body["type"] == "story.published" and body["sequence"] == 1
    assert (body["data"]["story_id"], body["data"]["title"]) == (story.pk, "Zonnepanelen")


def test_after_a_410_nothing_more_is_sent_in_the_same_run(bank, receiver, django_capture_on_commit_callbacks) -> None:
    subscribe(bank.sales_nl, receiver.url, secret=receiver.secret, events=("signal.claimed",))
    receiver.stop()
    for _ in range(3):
        signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)
        with django_capture_on_commit_callbacks(execute=True):
            signal_claim(signal_id=signal.pk, by=bank.sam)
    receiver.codes = [410]
    receiver.start()
    WebhookDelivery.objects.update(next_attempt_at=None)

    report = deliver()

    assert (report.claimed, report.failed) == (3, 3) and len(receiver.requests) == 1
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"failed"}
