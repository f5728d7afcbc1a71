"""The outbox: rows written with the event, after-commit dispatch, preferences, quiet hours, caps."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from backend.listening import services as listening
from notifications import delivery
from notifications.models import Notification, Preference, QuietHours
from notifications.services import Draft, notify
from tests.factories import MembershipFactory, SignalFactory, UserFactory

pytestmark = pytest.mark.django_db

LEAD = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen?"
URGENT = "Mijn schoonzus haar pinpas is gestolen en er is al 500 euro van haar rekening gehaald!"


def test_a_routed_signal_notifies_the_team_members_on_duty(bank) -> None:
    MembershipFactory.create(team=bank.sales_nl, user=UserFactory.create(role="sales"), on_duty=False)

    signal = listening.signal_submit(submitter=bank.emma, text=LEAD).signal

    rows = Notification.objects.filter(type="signal.routed")
    assert sorted(rows.values_list("user_id", flat=True)) == sorted([bank.sam.pk, bank.pieter.pk])
    n = rows.first()
    assert n is not None
    assert (n.category, n.priority, n.data) == ("queue", "normal", {"type": "signal", "id": str(signal.pk)})
    assert n.collapse_key == f"signal-{signal.pk}"


def test_an_urgent_complaint_is_high_priority_and_carries_no_contact_details(bank) -> None:
    listening.signal_submit(submitter=bank.emma, text=URGENT + " bel haar 06-12345678",
                            contact={"phone": "0612345678"}, contact_consent=True)

    n = Notification.objects.get(user=bank.sofie, type="signal.routed")
    assert n.priority == "high"
    assert n.title == "HASTER Klage til Support"  # in Sofie's language: Danish
    assert "06-12345678" not in n.body and "+31612345678" not in n.body


def test_nothing_is_written_when_the_event_rolls_back(bank) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        listening.signal_submit(submitter=bank.emma, text=LEAD)
        raise RuntimeError("the request failed after the signal was written")

    assert not Notification.objects.exists()


def test_delivery_is_dispatched_after_commit_and_stored_as_not_pushed_without_firebase(
    bank, settings, django_capture_on_commit_callbacks
) -> None:
    settings.FIREBASE_CREDENTIALS = ""
    for member in (bank.sam, bank.pieter):  # not deferred by quiet hours, whatever the hour of the run
        QuietHours.objects.create(user=member, enabled=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        listening.signal_submit(submitter=bank.emma, text=LEAD)
    assert set(Notification.objects.values_list("push_state", flat=True)) == {"pending"}

    for callback in callbacks:
        callback()

    assert set(Notification.objects.values_list("push_state", flat=True)) == {"not_pushed"}


def test_claim_tells_the_other_agents_apps_to_drop_it_silently(bank) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)

    listening.signal_claim(signal_id=signal.pk, by=bank.sam)

    silent = Notification.objects.get(type="signal.claimed")
    assert (silent.user, silent.silent, silent.collapse_key) == (bank.pieter, True, f"signal-{signal.pk}")
    assert silent.data["claimed_by"] == str(bank.sam.pk)


def test_the_submitter_hears_about_status_changes_in_their_language(bank) -> None:
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="claimed", assignee=bank.sam)

    listening.signal_transition(signal_id=signal.pk, by=bank.sam, to="contacted",
                                note="Je buurman is dinsdag gebeld, dank je!", visible_to_submitter=True)
    listening.signal_note_add(signal_id=signal.pk, by=bank.sam, text="internal: rich guy")

    mine = Notification.objects.filter(user=bank.emma)
    # The push (title, body) stays neutral; the note is for the inbox only (issues 15.4, 16.6).
    assert list(mine.values_list("type", "title", "body", "inbox_body")) == [
        ("signal.status", "Er is contact opgenomen", "", "Je buurman is dinsdag gebeld, dank je!")
    ]


def test_a_category_switched_off_is_kept_in_the_inbox_but_not_pushed() -> None:
    user = UserFactory.create()
    Preference.objects.create(user=user, category="queue", push=False)

    n = notify([Draft(user_id=user.pk, type="signal.routed", category="queue", title="x")])[0]

    assert n.push_state == "suppressed"


def test_quiet_hours_defer_normal_pushes_until_morning_in_the_persons_time_zone() -> None:
    user = UserFactory.create(profile={"time_zone": "Europe/Copenhagen"})
    QuietHours.objects.create(user=user, start=time(21, 0), end=time(7, 30))
    late = datetime(2026, 11, 23, 22, 15, tzinfo=ZoneInfo("Europe/Copenhagen"))

    normal, urgent = notify([
        Draft(user_id=user.pk, type="signal.status", category="my_signals", title="x"),
        Draft(user_id=user.pk, type="signal.routed", category="queue", title="y", priority="high"),
    ], now=late)

    assert normal.push_after == datetime(2026, 11, 24, 7, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert urgent.push_after is None
    assert normal.pk not in delivery.sweep(now=late + timedelta(hours=1))
    assert normal.pk in delivery.sweep(now=datetime(2026, 11, 24, 7, 31, tzinfo=ZoneInfo("Europe/Copenhagen")))


def test_outside_quiet_hours_nothing_waits() -> None:
    user = UserFactory.create(profile={"time_zone": "Europe/Amsterdam"})
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))

    n = notify([Draft(user_id=user.pk, type="signal.status", category="my_signals", title="x")], now=noon)[0]

    assert n.push_after is None


def test_story_pushes_are_capped_per_day() -> None:
    user = UserFactory.create()
    QuietHours.objects.create(user=user, enabled=False, daily_story_cap=2)

    rows = notify([Draft(user_id=user.pk, type="story.published", category="new_stories", title=f"s{i}")
                   for i in range(4)])

    assert [n.push_state for n in rows] == ["pending", "pending", "suppressed", "suppressed"]
    assert Notification.objects.filter(user=user).count() == 4  # all still in the inbox


def test_an_overdue_complaint_reminds_the_team_then_tells_its_lead_once(bank) -> None:
    lead = UserFactory.create(role="support")
    MembershipFactory.create(team=bank.support, user=lead, is_lead=True)
    now = timezone.now()
    late = SignalFactory.create(team=bank.support, kind="complaint", due_at=now - timedelta(minutes=1),
                                resolve_escalate_at=now - timedelta(seconds=1))
    SignalFactory.create(team=bank.support, kind="complaint", due_at=now + timedelta(days=2))

    assert listening.sla_escalate(now=now) == 2  # the reminder and the lead's escalation
    assert listening.sla_escalate(now=now) == 0

    alerts = Notification.objects.filter(type="signal.escalated")
    assert list(alerts.values_list("user_id", "data")) == [
        (lead.pk, {"type": "signal", "id": str(late.pk), "step": "resolve_escalated"})]


def test_the_sweeper_finds_rows_left_pending(bank) -> None:
    user = UserFactory.create()
    QuietHours.objects.create(user=user, enabled=False)
    n = notify([Draft(user_id=user.pk, type="x.y", category="queue", title="t")])[0]
    Notification.objects.filter(pk=n.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    fresh = notify([Draft(user_id=user.pk, type="x.y", category="queue", title="t")])[0]

    ids = delivery.sweep()

    assert n.pk in ids and fresh.pk not in ids


def test_a_dead_channel_layer_never_fails_the_request(bank, client_for, settings, django_capture_on_commit_callbacks) -> None:
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0", "socket_connect_timeout": 0.2}]},
    }}
    channel_layers.backends.clear()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(bank.emma).post("/api/v1/signals/", {"text": LEAD}, format="json")
    finally:
        channel_layers.backends.clear()

    assert response.status_code == 201
    # The push still waits in the outbox for the team.
    assert Notification.objects.filter(type="signal.routed").count() == 2


def test_each_recipient_reads_the_title_in_their_own_language(bank) -> None:
    """One event, one title per language: the outbox writes each notification in its reader's."""
    bank.sofie.profile.language, bank.triager.profile.language = "da", "en"
    bank.sofie.profile.save(update_fields=["language"])
    bank.triager.profile.save(update_fields=["language"])
    MembershipFactory.create(user=bank.triager, team=bank.support, on_duty=True)

    listening.signal_submit(submitter=bank.emma, text=URGENT)

    titles = dict(Notification.objects.filter(type="signal.routed").values_list("user__email", "title"))
    assert titles == {"sofie@bank.test": "HASTER Klage til Support", "tina@bank.test": "URGENT Complaint for Support"}
