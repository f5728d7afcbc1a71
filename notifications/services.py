"""Writes of the notifications app: devices, the outbox (notify), the inbox, preferences, tickets."""
from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from backend.core.errors import Conflict, DomainError, NotFound
from backend.people.models import User
from notifications import mail
from notifications.live import user_group
from notifications.models import (
    Category,
    Device,
    EmailMessage,
    EmailPreference,
    EmailState,
    LiveEvent,
    Notification,
    Preference,
    Priority,
    PushState,
    QuietHours,
    WebhookDelivery,
    WebhookState,
    WebhookSubscription,
    WsTicket,
)

logger = logging.getLogger(__name__)

# --- devices ----------------------------------------------------------------------------------
# How recent a sign-in must be for a device to move from one person to another (docs/api.md).
DEVICE_MOVE_FRESH_SIGN_IN = timedelta(minutes=10)


def _proves_possession(*, installation_id: str, held: Device, signed_in_at: datetime | None) -> bool:
    """A device held by someone else moves only when the app re-registers it from the same
    installation (the Firebase installation id the device already carries) right after a sign-in
    on it. A bare FCM token or installation id, copied from somewhere, proves nothing."""
    fresh = signed_in_at is not None and signed_in_at >= timezone.now() - DEVICE_MOVE_FRESH_SIGN_IN
    return bool(installation_id) and installation_id == held.installation_id and fresh


@transaction.atomic
def device_register(
    *, user: User, token: str, platform: str, installation_id: str = "", app_version: str = "", locale: str = "",
    signed_in_at: datetime | None = None,
) -> Device:
    """Register (or refresh) the app's FCM token. A token or installation held by another person
    moves to `user` only with proof of possession (`_proves_possession`); otherwise Conflict (409)
    and it stays with its owner. Takes row locks on the devices with this token or installation id."""
    held = list(Device.objects.select_for_update().filter(
        Q(token=token) | (Q(installation_id=installation_id) if installation_id else Q(pk__in=[]))
    ).exclude(user=user).order_by("pk"))
    for other in held:
        if not _proves_possession(installation_id=installation_id, held=other, signed_in_at=signed_in_at):
            raise Conflict(
                "This device is registered to another person. Sign in again on the device to move it.",
                code="device_registered_elsewhere",
            )
    device, _ = Device.objects.update_or_create(
        token=token,
        defaults={
            "user": user, "platform": platform, "installation_id": installation_id, "app_version": app_version,
            "locale": locale, "active": True, "deactivated_reason": "",
        },
    )
    if installation_id:
        # One installation has one current token: older tokens of the same installation are stale.
        Device.objects.filter(installation_id=installation_id).exclude(pk=device.pk).update(
            active=False, deactivated_reason="replaced by a newer token"
        )
    return device


@transaction.atomic
def device_unregister(*, user: User, token: str | None = None, device_id: int | None = None) -> None:
    """Delete one of `user`'s devices, named by its FCM token or by the id answered at registration."""
    devices = Device.objects.filter(user=user)
    if device_id is not None:
        devices = devices.filter(pk=device_id)
    elif token is not None:
        devices = devices.filter(token=token)
    else:
        raise ValueError("device_unregister needs a token or a device_id")
    deleted, _ = devices.delete()
    if not deleted:
        raise NotFound("No such device.")


@transaction.atomic
def devices_disable(*, user_id: int, reason: str) -> int:
    """Stop every push to a person (a leaver): their devices stay on record, inactive, so a later
    registration from the same phone by a colleague moves it as usual. Returns how many changed."""
    return Device.objects.filter(user_id=user_id, active=True).update(active=False, deactivated_reason=reason[:200])


# --- the outbox ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    """One notification to create for one person."""

    user_id: int
    type: str
    category: str
    # A lazy translation (gettext_lazy, format_lazy) is written in the person's own language.
    title: str | Promise
    body: str | Promise = ""
    data: dict[str, str] | None = None
    # Shown in the inbox only, never pushed or announced live (see Notification.inbox_title).
    inbox_title: str | Promise = ""
    inbox_body: str | Promise = ""
    collapse_key: str = ""
    priority: str = Priority.NORMAL
    silent: bool = False


def _in_quiet_hours(now: datetime, quiet: QuietHours, tz: str) -> datetime | None:
    """When the person's quiet hours are on now, the moment they end; otherwise None."""
    if not quiet.enabled or quiet.start == quiet.end:
        return None
    try:
        zone = ZoneInfo(tz)
    except Exception:  # noqa: BLE001 - an unknown zone must not stop a notification
        zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    t = local.time()
    overnight = quiet.start > quiet.end
    inside = (t >= quiet.start or t < quiet.end) if overnight else (quiet.start <= t < quiet.end)
    if not inside:
        return None
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end


@dataclass(frozen=True)
class LiveDraft:
    """One live websocket event; `group` comes from notifications.live (user_group, team_queue_group)."""

    group: str
    type: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class WebhookDraft:
    """One event for the webhook subscriptions that want it (issue 18).

    `team_id`: the handling team, whose subscriptions get it; None for an organisation-wide event
    (story.published), which every subscription that lists it gets. `private` (the third party's
    contact, only when consent was given) is added for the handling team's subscriptions only.
    `ordering_key` names what must arrive in order, e.g. "signal:42"."""

    type: str
    payload: dict[str, Any]
    ordering_key: str
    team_id: int | None = None
    private: dict[str, Any] | None = None


@dataclass(frozen=True)
class EmailDraft:
    """One e-mail to one person (issue 20), rendered in their language when written.

    `kind` names the templates (notifications/email/<kind>*.txt|html); `context` is what they show,
    plain data (or lazy translations); `dedup_key` is unique across all mail ("digest:7:2026-W49"):
    a second draft with the same key writes nothing."""

    user_id: int
    kind: str
    context: dict[str, Any]
    dedup_key: str


def outbox_write(*, drafts: Iterable[Draft] = (), live: Iterable[LiveDraft] = (),
                 webhooks: Iterable[WebhookDraft] = (), emails: Iterable[EmailDraft] = (),
                 now: datetime | None = None) -> list[Notification]:
    """Write notifications and live events into the outbox inside the caller's transaction; after
    commit one delivery task gets their ids. A rollback drops the on-commit hook with the rows, so
    nothing is queued for rows that do not exist; a task whose broker is down leaves them pending
    for the sweeper.

    Per person: category preference off → kept in the inbox, not pushed; quiet hours → a
    non-urgent push waits until they end; story pushes beyond the daily cap → not pushed.
    Every notification shown in the inbox is also announced live (`notification.created`).
    A notification whose type is in `mail.EMAIL_NOTIFICATION_TYPES` is also e-mailed, unless the
    person switched that mail off.
    """
    created = _notifications_create(list(drafts), now or timezone.now())
    events = [LiveEvent(group=d.group, type=d.type, payload=d.payload) for d in live]
    events += [LiveEvent(group=user_group(n.user_id), type="notification.created",
                         payload={"id": n.pk, "type": n.type, "title": n.title, "data": n.data})
               for n in created if not n.silent]
    events = LiveEvent.objects.bulk_create(events, batch_size=1000)
    due = [n.pk for n in created if n.push_state == PushState.PENDING and n.push_after is None]
    live_ids = [e.pk for e in events]
    hook_ids = _webhook_deliveries_create(list(webhooks))
    mails = list(emails) + [
        EmailDraft(user_id=n.user_id, kind=mail.EMAIL_NOTIFICATION_TYPES[n.type],
                   context=mail.notification_email_context(n), dedup_key=f"notification:{n.pk}")
        for n in created if n.type in mail.EMAIL_NOTIFICATION_TYPES
    ]
    email_ids = _emails_create(mails)
    if due or live_ids or hook_ids or email_ids:
        transaction.on_commit(partial(deliver_queue, notification_ids=due, live_event_ids=live_ids,
                                      webhook_delivery_ids=hook_ids, email_ids=email_ids))
    return created


def _emails_create(drafts: list[EmailDraft]) -> list[int]:
    """Render and write the mails the person has not switched off and that do not exist yet; the
    ids of the pending rows with these keys (a concurrent writer's too: delivery is idempotent)."""
    if not drafts:
        return []
    user_ids = {d.user_id for d in drafts}
    off = {(p.user_id, kind) for p in EmailPreference.objects.filter(user_id__in=user_ids)
           for kind, name in mail.PREFERENCE_FIELD.items() if not getattr(p, name)}
    keys = [d.dedup_key for d in drafts]
    existing = set(EmailMessage.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))
    languages = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "profile__language"))
    rows = []
    for d in drafts:
        if (d.user_id, d.kind) in off or d.dedup_key in existing:
            continue
        existing.add(d.dedup_key)
        language = languages.get(d.user_id) or settings.LANGUAGE_CODE
        rendered = mail.render(kind=d.kind, context=d.context, user_id=d.user_id, language=language)
        rows.append(EmailMessage(
            user_id=d.user_id, kind=d.kind, dedup_key=d.dedup_key[:120], language=language,
            subject=rendered.subject, body_text=rendered.text, body_html=rendered.html, headers=rendered.headers,
        ))
    # Two beat schedulers writing the same digest: the unique key lets one row in, the other is ignored.
    EmailMessage.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return list(EmailMessage.objects.filter(dedup_key__in=[r.dedup_key for r in rows], state=EmailState.PENDING)
                .order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def live_sessions_end(*, user_id: int) -> None:
    """Close the person's open websockets (code 4401) once the caller's transaction commits: after
    deactivation, a password change, or logging out everywhere. A live event to their own group,
    which the consumer answers by closing; sockets opened afterwards are refused by the token checks."""
    outbox_write(live=[LiveDraft(group=user_group(user_id), type="session.ended", payload={})])


@transaction.atomic
def live_queues_changed(*, user_id: int) -> None:
    """The person's team memberships changed (a move in the directory): once the caller's
    transaction commits, their open websockets re-read which team queues they may follow, join the
    new ones and leave the old (`queues.changed`), without a reconnect."""
    outbox_write(live=[LiveDraft(group=user_group(user_id), type="queues.changed", payload={})])


def notify(drafts: Iterable[Draft], *, now: datetime | None = None) -> list[Notification]:
    """Notifications only (each still announced live to its person); see `outbox_write`."""
    return outbox_write(drafts=drafts, now=now)


def _notifications_create(drafts: list[Draft], now: datetime) -> list[Notification]:
    if not drafts:
        return []
    user_ids = {d.user_id for d in drafts}
    prefs = {(p.user_id, p.category): p.push for p in Preference.objects.filter(user_id__in=user_ids)}
    # Time zone and quiet hours in one query (both one-to-one with the person).
    quiet: dict[int, QuietHours] = {}
    zones: dict[int, str] = {}
    languages: dict[int, str] = {}
    for person in User.objects.filter(pk__in=user_ids).select_related("profile", "quiet_hours").only(
        "pk", "profile__time_zone", "profile__language", "quiet_hours__enabled", "quiet_hours__start", "quiet_hours__end",
        "quiet_hours__daily_story_cap", "quiet_hours__user_id",
    ):
        profile = getattr(person, "profile", None)
        zones[person.pk] = profile.time_zone if profile is not None else ""
        languages[person.pk] = profile.language if profile is not None else settings.LANGUAGE_CODE
        hours = getattr(person, "quiet_hours", None)
        if hours is not None:
            quiet[person.pk] = hours
    stories_today: dict[int, int] = {}
    if any(d.category == Category.NEW_STORIES for d in drafts):
        since = now - timedelta(hours=24)
        for uid in Notification.objects.filter(
            user_id__in=user_ids, category=Category.NEW_STORIES, created_at__gte=since,
            push_state__in=[PushState.PENDING, PushState.SENDING, PushState.SENT],
        ).values_list("user_id", flat=True):
            stories_today[uid] = stories_today.get(uid, 0) + 1

    rows = []
    for d in drafts:
        state, push_after = PushState.PENDING, None
        q = quiet.get(d.user_id) or QuietHours(user_id=d.user_id)
        muted = not prefs.get((d.user_id, d.category), True)
        over_story_cap = d.category == Category.NEW_STORIES and stories_today.get(d.user_id, 0) >= q.daily_story_cap
        if muted or over_story_cap:
            state = PushState.SUPPRESSED
        elif d.priority != Priority.HIGH and not d.silent:
            push_after = _in_quiet_hours(now, q, zones.get(d.user_id) or settings.TIME_ZONE)
        if d.category == Category.NEW_STORIES and state == PushState.PENDING:
            stories_today[d.user_id] = stories_today.get(d.user_id, 0) + 1
        with translation.override(languages.get(d.user_id, settings.LANGUAGE_CODE)):
            title, body = str(d.title)[:200], str(d.body)
            inbox_title, inbox_body = str(d.inbox_title)[:200], str(d.inbox_body)
        rows.append(Notification(
            user_id=d.user_id, type=d.type, category=d.category, title=title, body=body,
            inbox_title=inbox_title, inbox_body=inbox_body,
            data={k: str(v) for k, v in (d.data or {}).items()}, collapse_key=d.collapse_key,
            priority=d.priority, silent=d.silent, push_state=state, push_after=push_after,
        ))
    return Notification.objects.bulk_create(rows, batch_size=1000)


def _webhook_deliveries_create(drafts: list[WebhookDraft]) -> list[int]:
    """One delivery row per (event, subscription that wants it), numbered per subscription.

    Takes the subscriptions' row locks (pk order) to hand out sequence numbers: two transactions
    about one signal already hold that signal's lock, so sequence order is commit order per signal."""
    if not drafts:
        return []
    types = {d.type for d in drafts}
    team_ids = {d.team_id for d in drafts if d.team_id is not None}
    everyone = any(d.team_id is None for d in drafts)
    subs = WebhookSubscription.objects.filter(active=True)
    if not everyone:
        subs = subs.filter(team_id__in=team_ids)
    wanted = [s for s in subs.select_for_update().order_by("pk") if types & set(s.events)]
    rows: list[WebhookDelivery] = []
    for sub in wanted:
        for d in drafts:
            if d.type not in sub.events or (d.team_id is not None and d.team_id != sub.team_id):
                continue
            sub.last_sequence += 1
            payload = {**d.payload, **(d.private or {})} if d.team_id == sub.team_id else d.payload
            rows.append(WebhookDelivery(
                subscription=sub, type=d.type, msg_id=f"msg_{secrets.token_urlsafe(18)}", sequence=sub.last_sequence,
                ordering_key=d.ordering_key[:60], payload={"type": d.type, "sequence": sub.last_sequence,
                                                           "data": payload},
            ))
    if not rows:
        return []
    WebhookSubscription.objects.bulk_update(wanted, ["last_sequence"])
    return [r.pk for r in WebhookDelivery.objects.bulk_create(rows, batch_size=1000)]


def deliver_queue(*, notification_ids: list[int], live_event_ids: list[int],
                  webhook_delivery_ids: list[int] | None = None, email_ids: list[int] | None = None) -> None:
    """Queue the delivery task for committed rows, NOTIFICATION_TASK_CHUNK notifications per task
    (live events, webhook deliveries and e-mails go with the first). Eager Celery (the embedded default) runs
    it here and now. A dead broker is logged: the rows wait in the database for the sweeper."""
    from notifications.tasks import deliver_notifications

    size = max(settings.NOTIFICATION_TASK_CHUNK, 1)
    chunks = [notification_ids[i:i + size] for i in range(0, len(notification_ids), size)] or [[]]
    for i, chunk in enumerate(chunks):
        events = live_event_ids if i == 0 else []
        hooks = (webhook_delivery_ids or []) if i == 0 else []
        mails = (email_ids or []) if i == 0 else []
        # Only the keyword arguments in use travel: a worker of the previous release still takes them.
        extra: dict[str, list[int]] = {}
        if hooks:
            extra["webhook_delivery_ids"] = hooks
        if mails:
            extra["email_ids"] = mails
        try:
            deliver_notifications.delay(notification_ids=chunk, live_event_ids=events, **extra)
        except Exception:  # noqa: BLE001 - broker down: the rows wait in the database
            if mails:
                logger.warning("could not queue delivery of %d e-mails; the sweeper will", len(mails))
            if hooks:
                logger.warning("could not queue delivery of %d notifications, %d live events and %d webhooks; "
                               "the sweeper will", len(chunk), len(events), len(hooks))
            else:
                logger.warning("could not queue delivery of %d notifications and %d live events; the sweeper will",
                               len(chunk), len(events))


# --- the inbox -------------------------------------------------------------------------------------
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, user=user, silent=False).first()
    if notification is None:
        raise NotFound("Notification not found.")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True, silent=False).update(read_at=timezone.now())


# --- preferences -------------------------------------------------------------------------------------
@transaction.atomic
def preferences_update(
    *, user: User, push: dict[str, bool] | None = None, quiet_hours: dict[str, Any] | None = None,
    email: dict[str, bool] | None = None,
) -> None:
    for category, enabled in (push or {}).items():
        Preference.objects.update_or_create(user=user, category=category, defaults={"push": enabled})
    if quiet_hours:
        QuietHours.objects.update_or_create(user=user, defaults=quiet_hours)
    if email:
        EmailPreference.objects.update_or_create(user=user, defaults=email)


@transaction.atomic
def email_unsubscribe(*, kind: str, token: str) -> User:
    """One click (RFC 8058): the signed link of an optional mail switches that mail off, without a
    sign-in. A forged token, or one for another kind, changes nothing (400)."""
    user_id = mail.unsubscribe_token_user_id(token=token, kind=kind)
    user = User.objects.select_related("profile").filter(pk=user_id).first() if user_id is not None else None
    if user is None:
        raise DomainError(_("This unsubscribe link is not valid."), code="invalid_unsubscribe_link")
    EmailPreference.objects.update_or_create(user=user, defaults={mail.PREFERENCE_FIELD[kind]: False})
    return user


# --- websocket tickets -----------------------------------------------------------------------------------
def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def ws_ticket_issue(*, user: User) -> tuple[str, datetime]:
    key = secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(seconds=settings.WS_TICKET_SECONDS)
    WsTicket.objects.create(key_hash=_hash(key), user=user, expires_at=expires)
    WsTicket.objects.filter(Q(expires_at__lt=timezone.now() - timedelta(hours=1))).delete()
    return key, expires


def ws_ticket_redeem(*, key: str) -> User | None:
    """Single use: a conditional UPDATE marks it used, so two connections cannot share one ticket."""
    now = timezone.now()
    ticket = WsTicket.objects.filter(key_hash=_hash(key)).select_related("user").first()
    if ticket is None:
        return None
    used = WsTicket.objects.filter(pk=ticket.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if not used or not ticket.user.is_active:
        return None
    return ticket.user


# --- webhook subscriptions (issue 18) -------------------------------------------------------------------
def webhook_secret_new() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_url_validate(url: str) -> None:
    """https only, unless DEBUG (a developer's receiver on their own machine)."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (settings.DEBUG and parts.scheme == "http"):
        raise DomainError("A webhook URL must start with https://.", code="validation_error",
                          fields={"url": ["https only."]})
    if not parts.hostname:
        raise DomainError("A webhook URL needs a host.", code="validation_error", fields={"url": ["No host."]})


def _events_validate(events: list[str]) -> list[str]:
    from notifications.webhooks import EVENTS

    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise DomainError("Choose one or more known events.", code="validation_error",
                          fields={"events": [f"Known events: {', '.join(EVENTS)}."]})
    return [e for e in EVENTS if e in events]


@transaction.atomic
def webhook_subscription_create(*, by: User, team_id: int, url: str, events: list[str]) -> tuple[WebhookSubscription, str]:
    """A team lead (their team) or an admin subscribes; the secret is returned to show once."""
    from notifications.selectors import webhook_teams_managed_by

    team = webhook_teams_managed_by(user=by).filter(pk=team_id).first()
    if team is None:
        raise NotFound("Team not found.")
    webhook_url_validate(url)
    secret = webhook_secret_new()
    sub = WebhookSubscription.objects.create(team=team, url=url, secret=secret, events=_events_validate(events))
    return sub, secret


@transaction.atomic
def webhook_subscription_update(*, by: User, subscription_id: int, active: bool | None = None,
                                events: list[str] | None = None) -> WebhookSubscription:
    """Switch on or off, change the events. Switching on clears the failure run that switched it off."""
    from notifications.selectors import webhook_subscription_get_for

    sub = webhook_subscription_get_for(user=by, subscription_id=subscription_id)
    if events is not None:
        sub.events = _events_validate(events)
    if active is not None and active != sub.active:
        sub.active, sub.failing_since, sub.disabled_reason = active, None, "" if active else "switched off by a person"
    sub.save(update_fields=["events", "active", "failing_since", "disabled_reason"])
    return sub


@transaction.atomic
def webhook_secret_rotate(*, by: User, subscription_id: int, overlap: timedelta = timedelta(hours=24)) -> str:
    """A new secret; the old one keeps signing beside it for `overlap`, so the receiver can switch."""
    from notifications.selectors import webhook_subscription_get_for

    sub = webhook_subscription_get_for(user=by, subscription_id=subscription_id)
    WebhookSubscription.objects.select_for_update().filter(pk=sub.pk).get()
    secret = webhook_secret_new()
    WebhookSubscription.objects.filter(pk=sub.pk).update(
        previous_secret=sub.secret, previous_secret_until=timezone.now() + overlap, secret=secret,
    )
    return secret


@transaction.atomic
def webhook_delivery_resend(*, by: User, delivery_id: int) -> WebhookDelivery:
    """One click: a failed delivery goes back to the outbox with its own `webhook-id` (the receiver
    deduplicates) and is sent after commit through the same task."""
    from notifications.selectors import webhook_subscriptions_for

    row = (WebhookDelivery.objects.select_for_update(of=("self",)).select_related("subscription")
           .filter(pk=delivery_id, subscription__in=webhook_subscriptions_for(user=by)).first())
    if row is None:
        raise NotFound("Delivery not found.")
    if row.state != WebhookState.FAILED:
        raise Conflict("Only a failed delivery can be re-sent.", code="not_failed")
    if not row.subscription.active:
        raise Conflict("Switch the webhook on first.", code="webhook_off")
    row.state, row.next_attempt_at, row.last_error = WebhookState.PENDING, None, ""
    # The 24-hour retry window starts again from the click.
    row.created_at = timezone.now()
    row.save(update_fields=["state", "next_attempt_at", "last_error", "created_at"])
    transaction.on_commit(partial(deliver_queue, notification_ids=[], live_event_ids=[],
                                  webhook_delivery_ids=[row.pk]))
    return row
