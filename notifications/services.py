"""Writes of the notifications app: devices, the outbox (notify), the inbox, preferences, tickets."""
from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.core.errors import Conflict, NotFound
from backend.people.models import User
from notifications.live import user_group
from notifications.models import (
    Category,
    Device,
    LiveEvent,
    Notification,
    Preference,
    Priority,
    PushState,
    QuietHours,
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


# --- the outbox ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    """One notification to create for one person."""

    user_id: int
    type: str
    category: str
    title: str
    body: str = ""
    data: dict[str, str] | None = None
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


def outbox_write(*, drafts: Iterable[Draft] = (), live: Iterable[LiveDraft] = (),
                 now: datetime | None = None) -> list[Notification]:
    """Write notifications and live events into the outbox inside the caller's transaction; after
    commit one delivery task gets their ids. A rollback drops the on-commit hook with the rows, so
    nothing is queued for rows that do not exist; a task whose broker is down leaves them pending
    for the sweeper.

    Per person: category preference off → kept in the inbox, not pushed; quiet hours → a
    non-urgent push waits until they end; story pushes beyond the daily cap → not pushed.
    Every notification shown in the inbox is also announced live (`notification.created`).
    """
    created = _notifications_create(list(drafts), now or timezone.now())
    events = [LiveEvent(group=d.group, type=d.type, payload=d.payload) for d in live]
    events += [LiveEvent(group=user_group(n.user_id), type="notification.created",
                         payload={"id": n.pk, "type": n.type, "title": n.title, "data": n.data})
               for n in created if not n.silent]
    events = LiveEvent.objects.bulk_create(events, batch_size=1000)
    due = [n.pk for n in created if n.push_state == PushState.PENDING and n.push_after is None]
    live_ids = [e.pk for e in events]
    if due or live_ids:
        transaction.on_commit(partial(deliver_queue, notification_ids=due, live_event_ids=live_ids))
    return created


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
    for person in User.objects.filter(pk__in=user_ids).select_related("profile", "quiet_hours").only(
        "pk", "profile__time_zone", "quiet_hours__enabled", "quiet_hours__start", "quiet_hours__end",
        "quiet_hours__daily_story_cap", "quiet_hours__user_id",
    ):
        profile = getattr(person, "profile", None)
        zones[person.pk] = profile.time_zone if profile is not None else ""
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
        rows.append(Notification(
            user_id=d.user_id, type=d.type, category=d.category, title=d.title[:200], body=d.body,
            data={k: str(v) for k, v in (d.data or {}).items()}, collapse_key=d.collapse_key,
            priority=d.priority, silent=d.silent, push_state=state, push_after=push_after,
        ))
    return Notification.objects.bulk_create(rows, batch_size=1000)


def deliver_queue(*, notification_ids: list[int], live_event_ids: list[int]) -> None:
    """Queue the delivery task for committed rows, NOTIFICATION_TASK_CHUNK notifications per task
    (live events go with the first). Eager Celery (the embedded default) runs it here and now.
    A dead broker is logged: the rows wait in the database for the sweeper."""
    from notifications.tasks import deliver_notifications

    size = max(settings.NOTIFICATION_TASK_CHUNK, 1)
    chunks = [notification_ids[i:i + size] for i in range(0, len(notification_ids), size)] or [[]]
    for i, chunk in enumerate(chunks):
        events = live_event_ids if i == 0 else []
        try:
            deliver_notifications.delay(notification_ids=chunk, live_event_ids=events)
        except Exception:  # noqa: BLE001 - broker down: the rows wait in the database
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
    *, user: User, push: dict[str, bool] | None = None, quiet_hours: dict[str, Any] | None = None
) -> None:
    for category, enabled in (push or {}).items():
        Preference.objects.update_or_create(user=user, category=category, defaults={"push": enabled})
    if quiet_hours:
        QuietHours.objects.update_or_create(user=user, defaults=quiet_hours)


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
