"""E-mail through the outbox (issue 20), against a real SMTP server on 127.0.0.1 (aiosmtpd).

Given rows written the way services write them (outbox_write, the digest jobs), when the one
delivery task runs after commit, then the server holds the messages: both parts, the headers,
the person's language; an outage delays them and loses none; each arrives once."""
from __future__ import annotations

import time as clock
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from backend.insights.digests import email_daily_summaries_write, email_digests_write
from backend.listening.models import Signal
from notifications import mail, tasks
from notifications.models import Category, EmailKind, EmailMessage, EmailPreference, EmailState, Priority
from notifications.services import Draft, EmailDraft, outbox_write
from tests.factories import MembershipFactory, SignalFactory, StoryFactory, TeamFactory, UserFactory
from tests.notifications.smtp import SmtpServer

pytestmark = pytest.mark.django_db

# Monday 7 December 2026, 08:30 in Amsterdam (07:30 UTC); 09:30 in Copenhagen is the same instant.
MONDAY_MORNING = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Relay <relay@bank.example>"
    settings.RELAY_PUBLIC_BASE_URL = "https://relay.bank.example"
    yield server
    server.stop()


def _parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk()
            if part.get_content_type() in ("text/plain", "text/html")}


def _escalate(lead, signal) -> None:
    """What the SLA escalation writes for a team lead (the shape of listening/events.py's sla_step)."""
    outbox_write(drafts=[Draft(
        user_id=lead.pk, type="signal.escalated", category=Category.QUEUE, title=f"Signal #{signal.pk} is overdue",
        data={"type": "signal", "id": str(signal.pk)}, priority=Priority.HIGH,
    )])


def test_escalation_mail_arrives_in_the_leads_language_without_contact_details(
        smtp, django_capture_on_commit_callbacks):
    lead = UserFactory.create(email="lead@bank.example", profile={"language": "nl"})
    team = TeamFactory.create(name="Klantenservice NL")
    MembershipFactory.create(team=team, user=lead, is_lead=True)
    signal = SignalFactory.create(team=team, kind="complaint", text="Pas geblokkeerd, bel hem op 06-12345678 of jan@mail.example",
                           due_at=timezone.now() - timedelta(hours=3))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _escalate(lead, signal)

    [message] = smtp.messages
    row = EmailMessage.objects.get(user=lead)
    assert (row.kind, row.state, row.attempts) == (EmailKind.ESCALATION, EmailState.SENT, 1)
    assert smtp.store.recipients == [["lead@bank.example"]]
    parts = _parts(message)
    assert set(parts) == {"text/plain", "text/html"}
    assert message["Message-ID"] == mail.message_id(row) == f"<notification.{row.dedup_key.split(':')[1]}@bank.example>"
    assert message["Content-Language"] == "nl"
    assert message["Subject"] == f"Klacht #{signal.pk} voor Klantenservice NL is 3 uur te laat"
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert f"https://relay.bank.example/console/signals/{signal.pk}/" in parts["text/plain"]
    assert f'href="https://relay.bank.example/console/signals/{signal.pk}/"' in parts["text/html"]
    for part in (*parts.values(), message["Subject"]):
        assert "12345678" not in part and "jan@mail.example" not in part
    assert "Pas geblokkeerd" in parts["text/plain"]  # the contact-free excerpt is there


def test_escalation_mail_is_not_written_when_the_lead_switched_it_off(django_capture_on_commit_callbacks):
    lead = UserFactory.create()
    EmailPreference.objects.create(user=lead, escalations=False)
    signal = SignalFactory.create()
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        _escalate(lead, signal)
    assert not EmailMessage.objects.exists()


def test_digest_carries_one_click_unsubscribe_and_escapes_html(smtp, django_capture_on_commit_callbacks):
    person = UserFactory.create(profile={"language": "da", "time_zone": "Europe/Copenhagen", "display_name": "<b>Lars</b>"})
    StoryFactory.create(title="Ny app & <nye> kort", language="da", published_at=MONDAY_MORNING - timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        assert email_digests_write(now=MONDAY_MORNING) == 1

    [message] = smtp.messages
    parts = _parts(message)
    token = mail.unsubscribe_token(user_id=person.pk, kind=EmailKind.DIGEST)
    assert message["List-Unsubscribe"].strip() == f"<https://relay.bank.example/console/unsubscribe/digest/{token}/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == "da"
    assert message["Subject"] == "Din uge i Relay"
    assert "Ny app &amp; &lt;nye&gt; kort" in parts["text/html"] and "&lt;b&gt;Lars&lt;/b&gt;" in parts["text/html"]
    assert "Ny app & <nye> kort" in parts["text/plain"]


def test_smtp_down_for_a_while_then_back_each_mail_is_sent_once(smtp, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_RETRY_BASE_SECONDS = settings.EMAIL_RETRY_MAX_SECONDS = 0.05
    people = UserFactory.create_batch(3)
    smtp.stop()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_write(emails=[EmailDraft(user_id=p.pk, kind=EmailKind.DIGEST, dedup_key=f"digest:{p.pk}:2026-W50",
                                        context={"name": "x", "figures": {"shares": 0, "clicks": 0}})
                             for p in people])

    rows = list(EmailMessage.objects.order_by("pk"))
    assert [(r.state, r.attempts) for r in rows] == [(EmailState.PENDING, 1)] * 3
    assert all(r.next_attempt_at is not None and r.last_error == "connection: ConnectionRefusedError" for r in rows)
    assert smtp.messages == []

    smtp.start()
    clock.sleep(0.06)
    assert tasks.sweep_outbox() == 3
    assert tasks.sweep_outbox() == 0  # a second sweep finds nothing left to send

    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(mail.message_id(r) for r in rows)
    assert list(EmailMessage.objects.values_list("state", flat=True).distinct()) == [EmailState.SENT]


def test_a_mail_leased_by_a_dead_worker_is_sent_again_with_the_same_message_id(smtp):
    person = UserFactory.create()
    outbox_write(emails=[EmailDraft(user_id=person.pk, kind=EmailKind.DIGEST, dedup_key="digest:crash",
                                    context={"name": "x", "figures": {"shares": 0, "clicks": 0}})])
    row = EmailMessage.objects.get()
    # The worker leased it and died before recording anything (maybe after the server accepted it).
    EmailMessage.objects.filter(pk=row.pk).update(state=EmailState.SENDING, lease_until=timezone.now() - timedelta(seconds=1))

    assert tasks.sweep_outbox() == 1
    [message] = smtp.messages
    assert message["Message-ID"] == "<digest.crash@bank.example>"
    assert EmailMessage.objects.get().state == EmailState.SENT


def test_one_click_unsubscribe_without_sign_in(client):
    person = UserFactory.create()
    url = f"/console/unsubscribe/digest/{mail.unsubscribe_token(user_id=person.pk, kind=EmailKind.DIGEST)}/"

    page = client.get(url)  # a link scanner: shown, not acted on
    assert page.status_code == 200 and b'name="List-Unsubscribe" value="One-Click"' in page.content
    assert not EmailPreference.objects.exists()

    response = client.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    pref = EmailPreference.objects.get(user=person)
    assert (pref.digest, pref.daily_summary, pref.escalations) == (False, True, True)


@pytest.mark.parametrize("path", [
    "/console/unsubscribe/digest/{pk}:forged-signature/",
    "/console/unsubscribe/daily_summary/{digest_token}/",  # a digest link cannot stop another mail
    "/console/unsubscribe/escalation/{digest_token}/",  # not optional mail: no one-click
])
def test_a_forged_or_foreign_unsubscribe_token_is_refused(client, path):
    person = UserFactory.create()
    url = path.format(pk=person.pk, digest_token=mail.unsubscribe_token(user_id=person.pk, kind=EmailKind.DIGEST))
    assert client.get(url).status_code == 400
    response = client.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and b"not valid" in response.content
    assert not EmailPreference.objects.exists()


def test_digest_skips_who_opened_the_app_or_unsubscribed_and_runs_once_a_week(django_capture_on_commit_callbacks):
    away = UserFactory.create(profile={"time_zone": "Europe/Amsterdam"})
    UserFactory.create(profile={"time_zone": "Europe/Amsterdam", "app_seen_at": MONDAY_MORNING - timedelta(days=2)})
    unsubscribed = UserFactory.create(profile={"time_zone": "Europe/Amsterdam"})
    EmailPreference.objects.create(user=unsubscribed, digest=False)
    UserFactory.create(role="admin", profile={"time_zone": "Europe/Amsterdam"})
    UserFactory.create(profile={"time_zone": "America/New_York"})  # 02:30 there: not yet

    with django_capture_on_commit_callbacks(execute=False):
        assert email_digests_write(now=MONDAY_MORNING) == 1
        assert email_digests_write(now=MONDAY_MORNING + timedelta(hours=1)) == 0  # the next hourly run
        assert email_digests_write(now=MONDAY_MORNING + timedelta(days=1)) == 0  # Tuesday

    assert list(EmailMessage.objects.values_list("user_id", "dedup_key")) == [(away.pk, f"digest:{away.pk}:2026-W50")]


def test_digest_says_what_became_of_signals_and_the_new_stories(django_capture_on_commit_callbacks):
    person = UserFactory.create(profile={"language": "en", "time_zone": "Europe/Amsterdam"})
    StoryFactory.create(title="Fresh story", language="en", published_at=MONDAY_MORNING - timedelta(days=1))
    StoryFactory.create(title="Old story", language="en", published_at=MONDAY_MORNING - timedelta(days=20))
    signal = SignalFactory.create(submitter=person, kind="lead", status="contacted")
    signal.events.create(type="transition", from_status="new", to_status="contacted")

    with django_capture_on_commit_callbacks(execute=False):
        email_digests_write(now=MONDAY_MORNING)
    row = EmailMessage.objects.get()
    assert "Fresh story" in row.body_text and "Old story" not in row.body_text
    assert f"#{signal.pk} Lead:" in row.body_text


def test_daily_summary_per_kind_for_team_leads(django_capture_on_commit_callbacks):
    lead = UserFactory.create(profile={"language": "en", "time_zone": "Europe/Amsterdam"})
    team = TeamFactory.create(name="Sales NL")
    MembershipFactory.create(team=team, user=lead, is_lead=True)
    MembershipFactory.create(team=team, user=UserFactory.create(), is_lead=False)
    now = MONDAY_MORNING
    SignalFactory.create(team=team, kind="lead", due_at=now - timedelta(hours=1))
    SignalFactory.create(team=team, kind="lead", due_at=now + timedelta(hours=1))
    closed = SignalFactory.create(team=team, kind="complaint", status="resolved")
    Signal.objects.filter(pk=closed.pk).update(closed_at=now - timedelta(hours=12))

    with django_capture_on_commit_callbacks(execute=False):
        assert email_daily_summaries_write(now=now) == 1
        assert email_daily_summaries_write(now=now + timedelta(hours=1)) == 0

    row = EmailMessage.objects.get()
    assert (row.user_id, row.kind, row.dedup_key) == (lead.pk, EmailKind.DAILY_SUMMARY, f"daily_summary:{lead.pk}:2026-12-07")
    assert row.subject == "Your teams' signals on Monday 7 December"
    assert "Lead: 2 open, 1 overdue, 0 closed yesterday" in row.body_text
    assert "Complaint: 0 open, 0 overdue, 1 closed yesterday" in row.body_text
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_signing_in_and_refreshing_marks_the_app_as_opened(api_client):
    person = UserFactory.create(password="a-long-test-password-1")
    response = api_client.post("/api/v1/auth/token/", {"email": person.email, "password": "a-long-test-password-1"},
                               format="json")
    assert response.status_code == 200
    person.profile.refresh_from_db()
    first = person.profile.app_seen_at
    assert first is not None
    refreshed = api_client.post("/api/v1/auth/token/refresh/", {"refresh": response.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200
    person.profile.refresh_from_db()
    assert person.profile.app_seen_at is not None and person.profile.app_seen_at > first


def test_the_digest_html_renders_in_headless_chromium(settings):
    """The HTML part in a real browser; the screenshot is kept in var/test-artifacts/."""
    from tests.backend.console.browser import CHROMIUM, CHROMIUM_ARGS
    from tests.conftest import service_unavailable

    if not Path(CHROMIUM).exists():
        service_unavailable(f"Chromium ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    rendered = mail.render(kind=EmailKind.DAILY_SUMMARY, user_id=1, language="nl", context={
        "name": "Pieter", "day": date(2026, 12, 7), "teams": "Sales NL", "console_url": "https://relay.example/console/",
        "rows": [{"kind_label": "Lead", "open": 4, "overdue": 1, "closed_yesterday": 2}],
    })
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "email-daily-summary-nl.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 700, "height": 600})
            page.set_content(rendered.html)
            assert page.get_by_role("link", name="Open de console").is_visible()
            assert page.locator("td", has_text="Lead").first.is_visible()
            assert page.get_by_role("heading", name="Signalen van je teams op maandag 7 december").is_visible()
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 5_000


def _digest_drafts(people) -> list[EmailDraft]:
    return [EmailDraft(user_id=p.pk, kind=EmailKind.DIGEST, dedup_key=f"digest:{p.pk}:2026-W50",
                       context={"name": "x", "figures": {"shares": 0, "clicks": 0}}) for p in people]


def test_one_delivery_run_sends_every_batch(smtp, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_CLAIM_BATCH = 2
    people = UserFactory.create_batch(5)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_write(emails=_digest_drafts(people))

    assert sorted(r[0] for r in smtp.store.recipients) == sorted(p.email for p in people)
    assert EmailMessage.objects.filter(state=EmailState.SENT).count() == 5


def test_a_rolled_back_event_writes_and_sends_no_mail(smtp, django_capture_on_commit_callbacks):
    lead = UserFactory.create()
    signal = SignalFactory.create()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        _escalate(lead, signal)
        raise RuntimeError("the escalation's transaction fails")

    assert callbacks == [] and not EmailMessage.objects.exists() and smtp.messages == []


def test_an_anymail_provider_is_chosen_by_setting(settings, mailoutbox, django_capture_on_commit_callbacks):
    """EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend: anymail's test ESP records what it would post."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    person = UserFactory.create()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_write(emails=_digest_drafts([person]))

    [sent] = mailoutbox
    assert sent.to == [person.email] and sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [mimetype for _, mimetype in sent.alternatives] == ["text/html"]
    assert EmailMessage.objects.get().state == EmailState.SENT


def test_a_refused_recipient_fails_at_once_and_an_inactive_persons_mail_is_not_sent(
        smtp, django_capture_on_commit_callbacks):
    gone, inactive, fine = (UserFactory.create(email="gone@bank.example"), UserFactory.create(),
                            UserFactory.create(email="fine@bank.example"))
    smtp.store.refuse.add("gone@bank.example")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_write(emails=_digest_drafts([gone, inactive, fine]))
        type(inactive).objects.filter(pk=inactive.pk).update(is_active=False)

    states = dict(EmailMessage.objects.values_list("user_id", "state"))
    assert states == {gone.pk: EmailState.FAILED, inactive.pk: EmailState.SUPPRESSED, fine.pk: EmailState.SENT}
    assert smtp.store.recipients == [["fine@bank.example"]]
    assert tasks.sweep_outbox() == 0  # nothing is retried


def test_an_sla_escalation_reaches_the_team_lead_by_mail_and_only_the_lead(
        bank, smtp, django_capture_on_commit_callbacks):
    """The whole path: the escalation step (listening.sla_escalate) writes the lead's notification,
    the outbox adds its e-mail in the same transaction, and the one delivery task sends it."""
    from backend.listening import services as listening_services
    from backend.listening import sla

    lead = UserFactory.create(email="lead.support@bank.example", role="support", profile={"language": "da"})
    MembershipFactory.create(team=bank.support, user=lead, is_lead=True)
    bank.support.memberships.exclude(user=lead).update(is_lead=False)
    start = timezone.now() - timedelta(hours=3)
    deadlines = sla.signal_deadlines(kind="complaint", urgent=True, team=bank.support, start=start)
    signal = SignalFactory.create(kind="complaint", urgent=True, team=bank.support, submitter=bank.emma,
                                  text="Kortet er spærret, ring til ham på 23456789", created_at=start,
                                  **vars(deadlines))

    with django_capture_on_commit_callbacks(execute=True):
        listening_services.sla_escalate()

    rows = EmailMessage.objects.filter(kind=EmailKind.ESCALATION)
    assert list(rows.values_list("user_id", "state")) == [(lead.pk, EmailState.SENT)]
    [message] = smtp.messages
    assert smtp.store.recipients == [["lead.support@bank.example"]]
    assert message["Content-Language"] == "da"
    assert f"#{signal.pk}" in message["Subject"]
    assert "23456789" not in message.as_string()
