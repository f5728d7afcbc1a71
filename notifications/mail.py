"""E-mail out of the outbox (issue 20): render in the person's language, lease, send, record.

The same shape as pushes and webhooks: `notifications.services.outbox_write(emails=[EmailDraft…])`
writes an `EmailMessage` row in the event's transaction, rendered there and then (text and HTML
parts, in the person's language); the one delivery task (`notifications.deliver`) leases rows with
`skip_locked` after commit and sends them through Django's e-mail framework — one connection per
batch, with a timeout; the backend is SMTP by default or any django-anymail provider by setting.
A failure leaves the row pending with jittered back-off; the beat sweeper picks it up again.

Once, or at least once? A row is marked sent after the server accepted the message. A worker that
dies in between (accepted, not yet recorded) leaves the row leased; when the lease expires it is
sent again — at least once. The copy carries the same Message-ID (`<dedup key>@domain`), so mail
systems and people can recognise it as the same message.
"""
from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications import leases
from notifications.models import EmailKind, EmailMessage, EmailState, Notification

logger = logging.getLogger(__name__)

# Notifications of these types also go out by e-mail, as this kind, in the same transaction.
EMAIL_NOTIFICATION_TYPES: Mapping[str, str] = {"signal.escalated": EmailKind.ESCALATION}
# Optional mail: one click unsubscribes (RFC 8058). The escalation is part of a team lead's duty:
# it has a switch in the preferences, but no List-Unsubscribe header.
OPTIONAL_KINDS: frozenset[str] = frozenset({EmailKind.DIGEST, EmailKind.DAILY_SUMMARY})
# The EmailPreference field that switches each kind off.
PREFERENCE_FIELD: Mapping[str, str] = {
    EmailKind.DIGEST: "digest", EmailKind.DAILY_SUMMARY: "daily_summary", EmailKind.ESCALATION: "escalations",
}

ContextBuilder = Callable[[Notification], dict[str, Any]]
# The domain app that writes a notification type knows what its mail should say (the signal's kind,
# team, how overdue); the outbox must not import it (.importlinter). The domain app registers a
# builder once, in its AppConfig.ready(): fixed at start-up, the same in every process, never stale.
_context_builders: dict[str, ContextBuilder] = {}


def email_context_register(notification_type: str, builder: ContextBuilder) -> None:
    _context_builders[notification_type] = builder


def notification_email_context(notification: Notification) -> dict[str, Any]:
    """What the mail about a notification says: the registered builder's context, or its inbox text."""
    builder = _context_builders.get(notification.type)
    if builder is not None:
        return builder(notification)
    return {"title": notification.inbox_title or notification.title,
            "body": notification.inbox_body or notification.body}


# --- links and the unsubscribe token ------------------------------------------------------------------
def public_url(path: str) -> str:
    """An absolute link for a mail: RELAY_PUBLIC_BASE_URL (production must set it, https), or the
    address `make run` serves on."""
    return f"{settings.RELAY_PUBLIC_BASE_URL or 'http://127.0.0.1:8000'}{path}"


def _salt(kind: str) -> str:
    # Salted per kind: a digest's link cannot switch off the daily summary.
    return f"notifications.mail.unsubscribe.{kind}"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    # Not timestamped: the same link in every mail of a kind, valid for as long as the secret key.
    return signing.Signer(salt=_salt(kind)).sign_object(user_id)


def unsubscribe_token_user_id(*, token: str, kind: str) -> int | None:
    """The person a token was made for, or None when it is forged or for another kind. No expiry:
    RFC 8058 expects the link in an old message to keep working."""
    if kind not in OPTIONAL_KINDS:
        return None
    try:
        value = signing.Signer(salt=_salt(kind)).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    return value if isinstance(value, int) else None


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return public_url(f"/console/unsubscribe/{kind}/{unsubscribe_token(user_id=user_id, kind=kind)}/")


# --- rendering ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    headers: dict[str, str]


def render(*, kind: str, context: Mapping[str, Any], user_id: int, language: str) -> Rendered:
    """Subject, text and HTML parts (HTML autoescaped) in `language`, and the List-Unsubscribe
    headers on optional mail."""
    ctx: dict[str, Any] = {**context, "language": language, "settings_url": public_url("/console/")}
    headers: dict[str, str] = {}
    if kind in OPTIONAL_KINDS:
        link = unsubscribe_url(user_id=user_id, kind=kind)
        ctx["unsubscribe_url"] = link
        headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    with translation.override(language):
        subject = " ".join(render_to_string(f"notifications/email/{kind}_subject.txt", ctx).split())
        text = render_to_string(f"notifications/email/{kind}.txt", ctx)
        html = render_to_string(f"notifications/email/{kind}.html", ctx)
    return Rendered(subject=subject[:200], text=text, html=html, headers=headers)


# --- delivery -----------------------------------------------------------------------------------------
@dataclass
class EmailReport:
    claimed: int = 0
    sent: int = 0
    retry: int = 0
    failed: int = 0
    suppressed: int = 0
    retry_ids: list[int] = field(default_factory=list)


def message_id(row: EmailMessage) -> str:
    """`<dedup key>@domain of DEFAULT_FROM_EMAIL>`: the same for every attempt of one mail."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "relay.invalid"
    local = re.sub(r"[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+", ".", row.dedup_key).strip(".")
    return f"<{local}@{domain}>"


def _claim(ids: list[int] | None, now: datetime, limit: int) -> list[EmailMessage]:
    return leases.lease(EmailMessage.objects.select_related("user"), ids=ids, now=now, limit=limit,
                        seconds=settings.EMAIL_LEASE_SECONDS)


def _message(row: EmailMessage, connection: Any) -> EmailMultiAlternatives:
    headers = {"Message-ID": message_id(row), "Content-Language": row.language,
               "Auto-Submitted": "auto-generated", **row.headers}
    reply_to = [settings.RELAY_EMAIL_REPLY_TO] if settings.RELAY_EMAIL_REPLY_TO else None
    message = EmailMultiAlternatives(subject=row.subject, body=row.body_text, to=[row.user.email],
                                     reply_to=reply_to, headers=headers, connection=connection)
    message.attach_alternative(row.body_html, "text/html")
    return message


def _retry(row: EmailMessage, error: str, report: EmailReport, now: datetime) -> None:
    if now - row.created_at >= timedelta(seconds=settings.EMAIL_RETRY_WINDOW_SECONDS):
        EmailMessage.objects.filter(pk=row.pk).update(state=EmailState.FAILED, lease_until=None, last_error=error[:300])
        report.failed += 1
        return
    EmailMessage.objects.filter(pk=row.pk).update(
        state=EmailState.PENDING, lease_until=None, last_error=error[:300],
        next_attempt_at=now + timedelta(seconds=leases.backoff_seconds(
            row.attempts, base=settings.EMAIL_RETRY_BASE_SECONDS, cap=settings.EMAIL_RETRY_MAX_SECONDS)),
    )
    report.retry += 1
    report.retry_ids.append(row.pk)


def deliver(*, email_ids: list[int] | None = None) -> EmailReport:
    """Send the given rows (all due ones when None), EMAIL_CLAIM_BATCH at a time, each batch over
    one connection, until none is left or the server is unreachable (the rest wait for the sweeper).
    Errors are recorded by class only: an SMTP reply may quote the recipient's address."""
    report = EmailReport()
    todo = sorted(set(email_ids)) if email_ids is not None else None
    while todo is None or todo:
        now = timezone.now()
        rows = _claim(todo, now, settings.EMAIL_CLAIM_BATCH)
        report.claimed += len(rows)
        if not rows or not _send_batch(rows, report, now):
            break
        if todo is not None:
            done = {r.pk for r in rows}
            todo = [pk for pk in todo if pk not in done]
    if report.retry:
        logger.warning("%d mails wait for a retry", report.retry)
    return report


def _send_batch(rows: list[EmailMessage], report: EmailReport, now: datetime) -> bool:
    """One connection for the batch; False when the server could not be reached at all."""
    connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
    try:
        connection.open()
    except Exception as exc:  # noqa: BLE001 - server down or refusing: every row waits and is retried
        logger.warning("e-mail server unavailable (%s); %d mails wait for a retry", type(exc).__name__, len(rows))
        for row in rows:
            _retry(row, f"connection: {type(exc).__name__}", report, now)
        return False
    try:
        for row in rows:
            if not row.user.is_active or not row.user.email:
                EmailMessage.objects.filter(pk=row.pk).update(state=EmailState.SUPPRESSED, lease_until=None,
                                                              last_error="no active person or address")
                report.suppressed += 1
                continue
            try:
                _message(row, connection).send()
            except smtplib.SMTPRecipientsRefused:
                EmailMessage.objects.filter(pk=row.pk).update(state=EmailState.FAILED, lease_until=None,
                                                              last_error="the server refused the recipient")
                report.failed += 1
            except Exception as exc:  # noqa: BLE001 - SMTP or provider error: retried with back-off
                _retry(row, f"send: {type(exc).__name__}", report, timezone.now())
            else:
                # Recorded only after the server accepted it (see the module docstring: at least once).
                EmailMessage.objects.filter(pk=row.pk).update(state=EmailState.SENT, lease_until=None,
                                                              sent_at=timezone.now(), last_error="")
                report.sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection must not undo what was recorded
            logger.info("closing the e-mail connection failed")
    return True


def sweep(*, now: datetime | None = None) -> list[int]:
    """Ids of rows that should be moving but are not: due pending rows past a grace, expired leases."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    due = (
        Q(state=EmailState.PENDING)
        & ((Q(next_attempt_at__isnull=True) & Q(created_at__lte=grace)) | Q(next_attempt_at__lte=now))
    ) | Q(state=EmailState.SENDING, lease_until__lt=now)
    return list(EmailMessage.objects.filter(due).order_by("pk").values_list("pk", flat=True)[:50_000])
