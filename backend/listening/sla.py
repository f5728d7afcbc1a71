"""Service-level times (issue 20): when a signal must be claimed and resolved, in working time.

`working_deadline` is pure (no database): the deadline `duration` of working time after `start`
in a country's working week, skipping nights, weekends and that country's public holidays (the
`holidays` package). `signal_deadlines` reads the `SlaPolicy` that applies to a signal and turns it
into the four moments the escalation task compares with the clock (docs/listening.md, "SLAs").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import Q

from backend.listening.models import Kind, Signal, SlaPolicy
from backend.people.models import Team

# The banks' countries first; any other country works through settings.TIME_ZONE.
COUNTRY_TIME_ZONES = {
    "NL": "Europe/Amsterdam", "DK": "Europe/Copenhagen", "BE": "Europe/Brussels", "DE": "Europe/Berlin",
    "SE": "Europe/Stockholm", "NO": "Europe/Oslo", "GB": "Europe/London", "FI": "Europe/Helsinki",
}

# A safety bound: a working week without working days (a misconfiguration) must not loop forever.
_MAX_DAYS_AHEAD = 800


@dataclass(frozen=True)
class PolicyTimes:
    """What a default policy promises; `working_time` False means wall-clock time."""

    claim_within: timedelta | None
    resolve_within: timedelta | None
    working_time: bool = True


# The defaults: the data migration seeds `SlaPolicy` rows with these, and they apply when a kind
# has no row at all (an empty database). In working time a day is one working day.
DAY = timedelta(days=1)
DEFAULT_POLICIES: dict[tuple[str, bool], PolicyTimes] = {
    # A swallowed card cannot wait for Monday: urgent complaints run on the wall clock.
    (Kind.COMPLAINT, True): PolicyTimes(timedelta(hours=1), timedelta(hours=4), working_time=False),
    (Kind.COMPLAINT, False): PolicyTimes(DAY, 2 * DAY),
    (Kind.LEAD, False): PolicyTimes(DAY, 10 * DAY),
    (Kind.REFERRAL, False): PolicyTimes(2 * DAY, 20 * DAY),
    (Kind.FRIEND_DISCOUNT, False): PolicyTimes(2 * DAY, 5 * DAY),
    (Kind.FEEDBACK, False): PolicyTimes(5 * DAY, None),
}


@dataclass(frozen=True)
class Deadlines:
    claim_due_at: datetime | None
    claim_escalate_at: datetime | None
    due_at: datetime | None
    resolve_escalate_at: datetime | None


def _working_hours() -> tuple[time, time]:
    start, end = settings.RELAY_SLA_WORKING_HOURS
    return start, end


def country_time_zone(country: str) -> ZoneInfo:
    return ZoneInfo(COUNTRY_TIME_ZONES.get(country.upper(), settings.TIME_ZONE))


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    """A country's public holidays in a year: static data of the `holidays` package, so caching it
    per process cannot go stale. Categories per country come from RELAY_SLA_HOLIDAY_CATEGORIES
    (Danish banks close on Grundlovsdag, an "optional" holiday in the package)."""
    categories = settings.RELAY_SLA_HOLIDAY_CATEGORIES.get(country.upper(), ("public",))
    try:
        table = holidays.country_holidays(country.upper(), years=year, categories=categories)
    except NotImplementedError:  # a country the package does not know: weekends only
        return frozenset()
    return frozenset(table.keys())


def is_working_day(day: date, country: str) -> bool:
    return day.weekday() in settings.RELAY_SLA_WORKING_DAYS and day not in _holidays(country, day.year)


def _opening(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, _working_hours()[0], tzinfo=zone)


def _closing(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, _working_hours()[1], tzinfo=zone)


def _next_working_opening(day: date, country: str, zone: ZoneInfo) -> datetime:
    for ahead in range(1, _MAX_DAYS_AHEAD):
        candidate = day + timedelta(days=ahead)
        if is_working_day(candidate, country):
            return _opening(candidate, zone)
    raise ValueError("no working day configured (RELAY_SLA_WORKING_DAYS)")


def working_deadline(start: datetime, duration: timedelta, country: str) -> datetime:
    """The moment `duration` of working time after `start` has passed, in UTC.

    Working time is RELAY_SLA_WORKING_HOURS on RELAY_SLA_WORKING_DAYS in the country's time zone,
    minus its public holidays. A day in `duration` is one working day (the length of the working
    hours), so "1 day" from Monday 10:00 is Tuesday 10:00 and from Saturday is Monday at closing.
    A signal that arrives outside working hours starts counting at the next opening. A deadline
    that ends exactly at closing stays on that day rather than moving to the next morning.
    """
    zone = country_time_zone(country)
    opens, closes = _working_hours()
    day_length = datetime.combine(date.min, closes) - datetime.combine(date.min, opens)
    remaining = duration.days * day_length + (duration - timedelta(days=duration.days))
    local = start.astimezone(zone)
    if not is_working_day(local.date(), country) or local >= _closing(local.date(), zone):
        local = _next_working_opening(local.date(), country, zone)
    elif local < _opening(local.date(), zone):
        local = _opening(local.date(), zone)
    while remaining > timedelta(0):
        available = _closing(local.date(), zone) - local
        if remaining <= available:
            local += remaining  # same day, no DST change inside working hours
            break
        remaining -= available
        local = _next_working_opening(local.date(), country, zone)
    return local.astimezone(ZoneInfo("UTC"))


def _after(start: datetime, duration: timedelta | None, *, working: bool, country: str) -> datetime | None:
    if duration is None:
        return None
    return working_deadline(start, duration, country) if working else start + duration


def policy_times(*, kind: str, urgent: bool, team_id: int | None) -> PolicyTimes:
    """The policy for a kind (and urgency, for complaints) in a team: the team's own row, else the
    default row (team empty), else the built-in default. An urgent complaint without an urgent row
    falls back to the complaint's."""
    urgencies = [True, False] if urgent and kind == Kind.COMPLAINT else [False]
    rows = list(SlaPolicy.objects.filter(kind=kind, urgent__in=urgencies).filter(
        Q(team__isnull=True) | Q(team_id=team_id) if team_id else Q(team__isnull=True)))
    for flag in urgencies:
        for wanted_team in ([team_id] if team_id else []) + [None]:
            for row in rows:
                if row.urgent == flag and row.team_id == wanted_team:
                    return PolicyTimes(row.claim_within, row.resolve_within, row.working_time)
        if (kind, flag) in DEFAULT_POLICIES:
            return DEFAULT_POLICIES[(kind, flag)]
    return DEFAULT_POLICIES.get((kind, False), PolicyTimes(None, None))


def signal_deadlines(*, kind: str, urgent: bool, team: Team | None, start: datetime) -> Deadlines:
    """The claim and resolution deadlines of a signal routed to `team` at `start`, and the moments
    at twice those times when its team lead is told. The team's country decides working time and
    holidays; a team without one (the triage team) counts in RELAY_SLA_DEFAULT_COUNTRY."""
    times = policy_times(kind=kind, urgent=urgent, team_id=team.pk if team else None)
    country = (team.country if team and team.country else settings.RELAY_SLA_DEFAULT_COUNTRY).upper()
    w = times.working_time
    claim, resolve = times.claim_within, times.resolve_within
    return Deadlines(
        claim_due_at=_after(start, claim, working=w, country=country),
        claim_escalate_at=_after(start, claim * 2 if claim else None, working=w, country=country),
        due_at=_after(start, resolve, working=w, country=country),
        resolve_escalate_at=_after(start, resolve * 2 if resolve else None, working=w, country=country),
    )


def is_waiting_past_claim(signal: Signal, now: datetime) -> bool:
    """The submitter's "still waiting for a colleague": nobody has claimed it by its claim deadline
    (the escalation's first step fires then). Says nothing about who was late."""
    return bool(signal.claim_due_at is not None and signal.claim_due_at <= now and signal.assignee_id is None
                and signal.closed_at is None and signal.status == "new")


def is_overdue(signal: Signal, now: datetime) -> bool:
    """Open and past a deadline: unclaimed past its claim time, or past its resolution time."""
    if signal.closed_at is not None:
        return False
    late_claim = signal.claim_due_at is not None and signal.assignee_id is None and signal.claim_due_at < now
    return late_claim or (signal.due_at is not None and signal.due_at < now)


def next_deadline(signal: Signal) -> datetime | None:
    """What the desk is racing against: the claim deadline while unclaimed, then the resolution's."""
    if signal.closed_at is not None:
        return None
    if signal.assignee_id is None and signal.claim_due_at is not None:
        return signal.claim_due_at
    return signal.due_at
