"""Delivery through the real firebase-admin SDK to a fake FCM HTTP v1 server on 127.0.0.1
(HTTP/2 over TLS, as FCM)."""
from __future__ import annotations

import time
from collections import deque

import pytest

from notifications import delivery, push
from notifications.models import Device, Notification, Priority, QuietHours
from notifications.services import Draft, notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_A = "token-a-" + "x" * 40
TOKEN_B = "token-b-" + "y" * 40


def device(user, token: str, platform: str = "android") -> Device:
    return Device.objects.create(user=user, token=token, platform=platform)


def make_notification(user, **kw) -> Notification:
    # Quiet hours would defer a normal push depending on the hour the suite runs; they have their own tests.
    QuietHours.objects.get_or_create(user=user, defaults={"enabled": False})
    draft = Draft(user_id=user.pk, type=kw.pop("type", "signal.routed"), category=kw.pop("category", "queue"),
                  title=kw.pop("title", "New lead for Sales NL"), body=kw.pop("body", "buurman wil hypotheek"),
                  data={"type": "signal", "id": "42"}, collapse_key="signal-42", **kw)
    return notify([draft])[0]


def deliver_until_settled(ids: list[int], rounds: int = 10) -> None:
    for _ in range(rounds):
        delivery.deliver(notification_ids=ids)
        if not Notification.objects.filter(pk__in=ids, push_state__in=["pending", "sending"]).exists():
            return
        time.sleep(0.06)  # past the (test-sized) back-off


def test_success_pushes_to_every_active_device_with_a_deep_link(fake_fcm, firebase_credentials) -> None:
    user = UserFactory.create()
    device(user, TOKEN_A, "android")
    device(user, TOKEN_B, "ios")
    Device.objects.create(user=user, token="old-" + "z" * 40, platform="android", active=False)
    n = make_notification(user, priority=Priority.HIGH)

    report = delivery.deliver(notification_ids=[n.pk])

    n.refresh_from_db()
    assert (report.sent, n.push_state, n.sent_at is not None) == (1, "sent", True), n.last_error
    assert fake_fcm.token_requests >= 1  # the service-account auth path ran against the fake token endpoint
    assert fake_fcm.http_versions == {"2"}  # HTTP/2 over TLS, trusted through SSL_CERT_FILE
    assert sorted(m["token"] for m in fake_fcm.received) == sorted([TOKEN_A, TOKEN_B])
    android = fake_fcm.sent_to(TOKEN_A)[0]
    assert android["data"] == {"type": "signal", "id": "42", "notification_id": str(n.pk), "event": "signal.routed"}
    assert android["notification"] == {"title": "New lead for Sales NL", "body": "buurman wil hypotheek"}
    assert android["android"]["priority"] == "high"
    assert android["android"]["collapse_key"] == "signal-42"
    assert fake_fcm.sent_to(TOKEN_B)[0]["apns"]["headers"]["apns-priority"] == "10"


@pytest.mark.parametrize("error", ["UNREGISTERED", "SENDER_ID_MISMATCH", "INVALID_ARGUMENT"])
def test_a_token_fcm_rejects_is_deactivated_and_the_others_still_get_it(fake_fcm, firebase_credentials, error) -> None:
    user = UserFactory.create()
    bad = device(user, TOKEN_A)
    good = device(user, TOKEN_B)
    fake_fcm.token_errors[TOKEN_A] = error
    n = make_notification(user)

    report = delivery.deliver(notification_ids=[n.pk])

    bad.refresh_from_db()
    good.refresh_from_db()
    n.refresh_from_db()
    assert (bad.active, good.active) == (False, True)
    assert report.tokens_deactivated == 1
    assert n.push_state == "sent"
    assert [m["token"] for m in fake_fcm.received] == [TOKEN_B]


def test_an_invalid_message_is_a_permanent_failure_with_the_reason(fake_fcm, firebase_credentials) -> None:
    user = UserFactory.create()
    d = device(user, TOKEN_A)
    fake_fcm.token_errors[TOKEN_A] = "INVALID_MESSAGE"
    n = make_notification(user)

    delivery.deliver(notification_ids=[n.pk])

    n.refresh_from_db()
    d.refresh_from_db()
    assert n.push_state == "failed"
    assert "Invalid JSON payload" in n.last_error
    assert d.active is True  # the message was wrong, not the token


def test_503_then_success_is_sent_once(fake_fcm, firebase_credentials) -> None:
    user = UserFactory.create()
    device(user, TOKEN_A)
    fake_fcm.failures.extend([503, 503])
    n = make_notification(user)

    deliver_until_settled([n.pk])

    n.refresh_from_db()
    assert n.push_state == "sent"
    assert len(fake_fcm.sent_to(TOKEN_A)) == 1
    assert fake_fcm.requests == 3


def test_429_is_retried_with_backoff_and_sent_once(fake_fcm, firebase_credentials) -> None:
    user = UserFactory.create()
    device(user, TOKEN_A)
    fake_fcm.failures.append(429)
    n = make_notification(user)

    first = delivery.deliver(notification_ids=[n.pk])
    n.refresh_from_db()
    assert (first.retry, n.push_state, n.push_after is not None) == (1, "pending", True)
    assert "QuotaExceeded" in n.last_error
    deliver_until_settled([n.pk])

    n.refresh_from_db()
    assert n.push_state == "sent"
    assert n.attempts == 2
    assert len(fake_fcm.sent_to(TOKEN_A)) == 1


def test_429_with_retry_after_waits_at_least_that_long_and_is_sent_once(fake_fcm, firebase_credentials) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from tests.notifications.fake_fcm import RETRY_AFTER_SECONDS

    user = UserFactory.create()
    device(user, TOKEN_A)
    fake_fcm.failures.append("429+")
    n = make_notification(user)

    before = timezone.now()
    first = delivery.deliver(notification_ids=[n.pk])

    n.refresh_from_db()
    assert (first.retry, n.push_state) == (1, "pending")
    # The back-off here is 0.01-0.05 s; FCM asked for RETRY_AFTER_SECONDS, and that is the floor.
    assert n.push_after is not None and n.push_after >= before + timedelta(seconds=RETRY_AFTER_SECONDS)
    assert delivery.deliver(notification_ids=[n.pk]).claimed == 0  # not due yet
    Notification.objects.filter(pk=n.pk).update(push_after=timezone.now())  # the wait is over
    deliver_until_settled([n.pk])

    n.refresh_from_db()
    assert n.push_state == "sent"
    assert len(fake_fcm.sent_to(TOKEN_A)) == 1
    assert fake_fcm.requests == 2


def test_fcm_down_for_a_while_then_back_loses_nothing_and_sends_once(fake_fcm, firebase_credentials) -> None:
    users = [UserFactory.create() for _ in range(3)]
    for i, u in enumerate(users):
        device(u, f"token-{i}-" + "q" * 40)
    ids = [make_notification(u).pk for u in users]
    port = fake_fcm.port
    fake_fcm.stop()

    while_down = delivery.deliver(notification_ids=ids)
    assert while_down.retry == 3
    assert set(Notification.objects.filter(pk__in=ids).values_list("push_state", flat=True)) == {"pending"}
    fake_fcm.port = port
    fake_fcm.start()
    deliver_until_settled(ids)

    assert set(Notification.objects.filter(pk__in=ids).values_list("push_state", flat=True)) == {"sent"}
    assert sorted(m["token"] for m in fake_fcm.received) == sorted(f"token-{i}-" + "q" * 40 for i in range(3))


def test_delivering_the_same_rows_twice_sends_once(fake_fcm, firebase_credentials) -> None:
    user = UserFactory.create()
    device(user, TOKEN_A)
    n = make_notification(user)

    delivery.deliver(notification_ids=[n.pk])
    again = delivery.deliver(notification_ids=[n.pk])

    assert again.claimed == 0
    assert len(fake_fcm.received) == 1


def test_a_partly_delivered_row_only_goes_to_the_devices_it_missed(fake_fcm, firebase_credentials) -> None:
    user = UserFactory.create()
    a = device(user, TOKEN_A)
    device(user, TOKEN_B)
    n = make_notification(user)
    # A worker died after pushing to A but before finishing: its lease expired.
    Notification.objects.filter(pk=n.pk).update(push_state="sending", delivered_to=[a.pk],
                                                lease_until="2000-01-01T00:00:00Z")

    assert n.pk in delivery.sweep()
    delivery.deliver(notification_ids=[n.pk])

    assert [m["token"] for m in fake_fcm.received] == [TOKEN_B]
    n.refresh_from_db()
    assert n.push_state == "sent"


def test_a_person_without_devices_is_not_pushed_but_keeps_the_notification(fake_fcm, firebase_credentials) -> None:
    n = make_notification(UserFactory.create())

    delivery.deliver(notification_ids=[n.pk])

    n.refresh_from_db()
    assert n.push_state == "not_pushed"
    assert fake_fcm.received == []


def test_without_firebase_credentials_notifications_are_stored_and_marked_not_pushed(settings) -> None:
    settings.FIREBASE_CREDENTIALS = ""
    user = UserFactory.create()
    device(user, TOKEN_A)
    n = make_notification(user)

    report = delivery.deliver(notification_ids=[n.pk])

    n.refresh_from_db()
    assert (report.not_pushed, n.push_state) == (1, "not_pushed")
    assert Notification.objects.filter(user=user).count() == 1


def _spy_on_batches(monkeypatch) -> list[int]:
    """Sizes of the SDK calls (the SDK is spied on, not replaced: every call goes to the fake)."""
    from firebase_admin import messaging

    sizes: list[int] = []
    real = messaging.send_each_async

    async def spy(messages, dry_run=False, app=None):
        sizes.append(len(messages))
        return await real(messages, dry_run=dry_run, app=app)

    monkeypatch.setattr(messaging, "send_each_async", spy)
    return sizes


def test_batches_are_at_most_500(fake_fcm, firebase_credentials, monkeypatch, settings) -> None:
    settings.FCM_BATCH_SIZE = 500
    sizes = _spy_on_batches(monkeypatch)
    users = UserFactory.create_batch(3)
    Device.objects.bulk_create(Device(user=users[i % 3], token=f"t{i:04d}-" + "k" * 30, platform="android")
                               for i in range(1201))
    ids = [make_notification(u).pk for u in users]

    deliver_until_settled(ids)

    assert sorted(sizes[:3], reverse=True) == [500, 500, 201]
    assert all(size <= 500 for size in sizes)
    tokens = [m["token"] for m in fake_fcm.received]
    assert len(tokens) == len(set(tokens)) == 1201  # every device once, retries included
    assert fake_fcm.dry_runs == 0


def test_several_batches_in_flight_with_some_tokens_failing(fake_fcm, firebase_credentials, monkeypatch,
                                                            settings) -> None:
    settings.FCM_BATCH_SIZE, settings.FCM_BATCHES_IN_FLIGHT = 40, 3
    sizes = _spy_on_batches(monkeypatch)
    users = UserFactory.create_batch(200)
    for u in users:
        QuietHours.objects.create(user=u, enabled=False)
    Device.objects.bulk_create(Device(user=u, token=f"story-{u.pk}-" + "s" * 30, platform="android") for u in users)
    bad = {f"story-{u.pk}-" + "s" * 30: error for u, error in
           zip(users[5::37], ["UNREGISTERED", "SENDER_ID_MISMATCH", "INVALID_ARGUMENT"] * 3, strict=False)}
    fake_fcm.token_errors.update(bad)
    fake_fcm.delay = 0.3  # long enough for the client to have the next batches on the wire
    rows = notify([Draft(user_id=u.pk, type="story.published", category="new_stories", title="A new story",
                         body="Our bank funds 200 local solar roofs", data={"type": "story", "id": "7"},
                         collapse_key="story-7") for u in users])

    report = delivery.deliver(notification_ids=[n.pk for n in rows])

    assert sizes == [40] * 5
    assert fake_fcm.max_concurrent > 40  # more than one batch was on the wire at once
    assert (report.sent, report.not_pushed, report.tokens_deactivated) == (200 - len(bad), len(bad), len(bad))
    assert set(Device.objects.filter(active=False).values_list("token", flat=True)) == set(bad)
    got = [m["token"] for m in fake_fcm.received]
    assert len(got) == len(set(got)) == 200 - len(bad)
    assert {m["data"]["notification_id"] for m in fake_fcm.received} == {
        str(n.pk) for n in rows if Device.objects.get(user_id=n.user_id).active}
    for n in Notification.objects.filter(pk__in=[r.pk for r in rows]).select_related("user"):
        device_ = Device.objects.get(user=n.user)
        assert n.delivered_to == ([device_.pk] if device_.active else [])
        assert n.push_state == ("sent" if device_.active else "not_pushed")


def test_a_503_on_one_batch_only_is_retried_by_the_sdk_and_a_429_waits_for_the_next_run(
    fake_fcm, firebase_credentials, settings
) -> None:
    settings.FCM_BATCH_SIZE, settings.FCM_BATCHES_IN_FLIGHT = 10, 2
    users = UserFactory.create_batch(40)
    tokens = [f"batch-{i:02d}-" + "b" * 30 for i in range(40)]
    for u, t in zip(users, tokens, strict=True):
        device(u, t)
    ids = [make_notification(u).pk for u in users]
    # The second batch meets a 503 once (the SDK retries it); the fourth a 429 (ours to retry).
    for t in tokens[10:20]:
        fake_fcm.token_failures[t] = deque([503])
    for t in tokens[30:40]:
        fake_fcm.token_failures[t] = deque([429])

    first = delivery.deliver(notification_ids=ids)

    assert (first.sent, first.retry) == (30, 10)
    assert sorted(first.retry_ids) == sorted(ids[30:40])
    assert fake_fcm.requests == 40 + 10  # the 503s were re-sent at once by the SDK, the 429s were not
    deliver_until_settled(ids)
    assert set(Notification.objects.filter(pk__in=ids).values_list("push_state", flat=True)) == {"sent"}
    assert sorted(m["token"] for m in fake_fcm.received) == sorted(tokens)  # each exactly once


@pytest.mark.django_db(transaction=True)
def test_an_eager_delivery_from_a_sync_thread_under_a_running_event_loop_is_sent(fake_fcm, firebase_credentials) -> None:
    """The embedded default under the ASGI server: a sync view runs in a thread beside the server's
    loop, the notification commits, and the eager task delivers in that thread, on a runner of its
    own for that call (it must not touch the server's loop)."""
    import asyncio

    from asgiref.sync import sync_to_async
    from django.db import connections

    user = UserFactory.create()
    device(user, TOKEN_A)

    def sync_view() -> int:
        try:
            return make_notification(user).pk  # on commit -> dispatch -> eager task -> delivery
        finally:
            connections.close_all()

    async def server() -> int:
        asyncio.get_running_loop()  # this thread's loop is busy serving
        return await sync_to_async(sync_view, thread_sensitive=False)()

    pk = asyncio.run(server())

    assert Notification.objects.get(pk=pk).push_state == "sent"
    assert [m["token"] for m in fake_fcm.received] == [TOKEN_A]


def test_a_silent_push_has_no_notification_block(fake_fcm, firebase_credentials) -> None:
    user = UserFactory.create()
    device(user, TOKEN_B, "ios")
    n = make_notification(user, silent=True)

    delivery.deliver(notification_ids=[n.pk])

    message = fake_fcm.received[0]
    assert "notification" not in message
    assert message["apns"]["headers"]["apns-push-type"] == "background"


def test_a_device_with_an_installation_id_is_addressed_by_fid(fake_fcm, firebase_credentials) -> None:
    user = UserFactory.create()
    Device.objects.create(user=user, token=TOKEN_A, installation_id="fid-123", platform="android")
    n = make_notification(user)

    delivery.deliver(notification_ids=[n.pk])

    assert fake_fcm.received[0].get("fid") == "fid-123"
    assert "token" not in fake_fcm.received[0]


def test_the_loopback_guard_also_holds_for_the_async_client(fake_fcm, firebase_credentials, monkeypatch) -> None:
    """The guard in tests/conftest.py patches the socket module; httpx on asyncio resolves and
    connects through it too, so an unpatched FCM URL cannot leak."""
    from firebase_admin import messaging

    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", "https://fcm.googleapis.com/v1/projects/{0}/messages:send")

    with pytest.raises(pytest.fail.Exception, match="non-loopback host: .*fcm.googleapis.com"):
        push.send_batch([push.PushMessage(token=TOKEN_A, title="t", body="b")])
    assert fake_fcm.received == []
