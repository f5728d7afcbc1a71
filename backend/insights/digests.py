"""The weekly digest for employees and the daily summary for team leads (issue 20): what they say
(read across sharing and listening, hence here), and the hourly jobs that write them to the
e-mail outbox for the people whose local morning it is.

Once per person and period whatever the number of beat schedulers: each mail has a dedup key
(`digest:<user>:<ISO week>`, `daily_summary:<user>:<local date>`), unique in the outbox.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from backend.insights.selectors import my_figures
from backend.listening import lifecycle
from backend.listening.events import kind_label
from backend.listening.models import Kind, Signal
from backend.people.models import Membership, Profile, Role, User
from backend.sharing.selectors import feed_for_user
from notifications.mail import public_url
from notifications.models import EmailKind, EmailMessage, EmailPreference
from notifications.services import EmailDraft, outbox_write

DIGEST_STORIES = 5
DIGEST_SIGNALS = 10
# Who gets a weekly digest: the people the app is for. Admins and editors work in the console.
DIGEST_ROLES = (Role.EMPLOYEE, Role.ALUMNI, Role.SALES, Role.SUPPORT, Role.RECRUITMENT)


@dataclass(frozen=True)
class LocalMorning:
    zone: str
    day: date  # the local date


def _mornings(now: datetime, zones: list[str], *, monday_only: bool) -> list[LocalMorning]:
    """The zones where it is now the morning window (RELAY_EMAIL_LOCAL_HOUR + WINDOW_HOURS)."""
    found = []
    for name in zones:
        try:
            local = now.astimezone(ZoneInfo(name))
        except Exception:  # noqa: BLE001 - an unknown zone is the default zone
            local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
        start = settings.RELAY_EMAIL_LOCAL_HOUR
        if start <= local.hour < start + settings.RELAY_EMAIL_WINDOW_HOURS and (not monday_only or local.weekday() == 0):
            found.append(LocalMorning(zone=name, day=local.date()))
    return found


def _local_midnight(day: date, zone: str) -> datetime:
    try:
        tz = ZoneInfo(zone)
    except Exception:  # noqa: BLE001
        tz = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(day, time(0, 0), tzinfo=tz)


# --- what they say ------------------------------------------------------------------------------------
def digest_context_for(*, user: User, since: datetime, now: datetime) -> dict[str, Any]:
    """New stories for the person (their feed, published since), what became of the signals they
    passed on (status changes since), and their share figures since. Kind labels stay lazy: the
    outbox renders them in the person's language."""
    language = user.profile.language
    stories = [{"title": s.title} for s in feed_for_user(user=user, now=now).filter(published_at__gte=since)
               .order_by(F("relevance").desc(), F("published_at").desc())[:DIGEST_STORIES]]
    moved = (Signal.objects.filter(submitter=user, events__created_at__gte=since, events__to_status__gt="")
             .distinct().order_by("-pk")[:DIGEST_SIGNALS])
    signals = [{"id": s.pk, "kind_label": kind_label(s.kind),
                "status": lifecycle.status_text(s.status, language, in_triage=s.in_triage)} for s in moved]
    figures = my_figures(user=user, since=since)
    return {
        "name": user.profile.display_name, "stories": stories, "signals": signals,
        "figures": {"shares": figures["shares"], "clicks": figures["clicks"]},
        "app_url": public_url("/"),
    }


def daily_summary_context_for(*, user: User, team_ids: list[int], day: date, zone: str,
                              now: datetime) -> dict[str, Any]:
    """Per kind for the lead's teams: open, overdue (due_at passed), closed on the local yesterday."""
    start = _local_midnight(day, zone)
    yesterday = Q(closed_at__gte=start - timedelta(days=1), closed_at__lt=start)
    is_open = Q(closed_at__isnull=True) & ~Q(status="withdrawn")
    counts = {r["kind"]: r for r in Signal.objects.filter(team_id__in=team_ids).values("kind").annotate(
        open=Count("id", filter=is_open), overdue=Count("id", filter=is_open & Q(due_at__lt=now)),
        closed_yesterday=Count("id", filter=yesterday),
    ).order_by()}
    rows = [{"kind_label": kind_label(kind), "open": counts[kind]["open"], "overdue": counts[kind]["overdue"],
             "closed_yesterday": counts[kind]["closed_yesterday"]}
            for kind in Kind if kind in counts and (counts[kind]["open"] or counts[kind]["closed_yesterday"])]
    teams = Membership.objects.filter(user=user, team_id__in=team_ids).order_by("team__name")
    return {
        "name": user.profile.display_name, "day": day, "rows": rows,
        "teams": ", ".join(m.team.name for m in teams.select_related("team")),
        "console_url": public_url("/console/queues/"),
    }


# --- the hourly jobs ----------------------------------------------------------------------------------
def _zones() -> list[str]:
    return list(Profile.objects.order_by().values_list("time_zone", flat=True).distinct())


def _switched_off(field: str) -> Q:
    return Q(pk__in=EmailPreference.objects.filter(**{field: False}).values("user_id"))


@transaction.atomic
def email_digests_write(*, now: datetime | None = None) -> int:
    """Monday morning in each person's time zone: a digest for those who did not open the app in the
    past week and have the digest on. Returns how many were written (0 on a second run)."""
    now = now or timezone.now()
    drafts: list[EmailDraft] = []
    for morning in _mornings(now, _zones(), monday_only=True):
        year, week, _ = morning.day.isocalendar()
        since = now - timedelta(days=7)
        people = (User.objects.filter(is_active=True, role__in=DIGEST_ROLES, profile__time_zone=morning.zone)
                  .exclude(profile__app_seen_at__gte=since).exclude(_switched_off("digest"))
                  .exclude(email="").select_related("profile").order_by("pk"))
        # The later runs of the morning window find the week's rows and compose nothing.
        done = _already_written([f"digest:{p}:{year}-W{week:02d}" for p in people.values_list("pk", flat=True)])
        for person in people:
            key = f"digest:{person.pk}:{year}-W{week:02d}"
            if key not in done:
                drafts.append(EmailDraft(user_id=person.pk, kind=EmailKind.DIGEST, dedup_key=key,
                                         context=digest_context_for(user=person, since=since, now=now)))
    return _write(drafts)


@transaction.atomic
def email_daily_summaries_write(*, now: datetime | None = None) -> int:
    """Each morning in each team lead's time zone: a summary of their teams' signals per kind."""
    now = now or timezone.now()
    drafts: list[EmailDraft] = []
    for morning in _mornings(now, _zones(), monday_only=False):
        leads: dict[int, list[int]] = {}
        for user_id, team_id in (Membership.objects.filter(
                is_lead=True, user__is_active=True, user__profile__time_zone=morning.zone)
                .exclude(user__in=User.objects.filter(_switched_off("daily_summary")))
                .order_by("user_id", "team_id").values_list("user_id", "team_id")):
            leads.setdefault(user_id, []).append(team_id)
        done = _already_written([f"daily_summary:{p}:{morning.day.isoformat()}" for p in leads])
        for person in User.objects.filter(pk__in=leads).select_related("profile").order_by("pk"):
            key = f"daily_summary:{person.pk}:{morning.day.isoformat()}"
            if key not in done:
                drafts.append(EmailDraft(
                    user_id=person.pk, kind=EmailKind.DAILY_SUMMARY, dedup_key=key,
                    context=daily_summary_context_for(user=person, team_ids=leads[person.pk], day=morning.day,
                                                      zone=morning.zone, now=now),
                ))
    return _write(drafts)


def _already_written(keys: list[str]) -> set[str]:
    return set(EmailMessage.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))


def _write(drafts: list[EmailDraft]) -> int:
    if not drafts:
        return 0
    before = EmailMessage.objects.filter(dedup_key__in=[d.dedup_key for d in drafts]).count()
    outbox_write(emails=drafts)
    return EmailMessage.objects.filter(dedup_key__in=[d.dedup_key for d in drafts]).count() - before
