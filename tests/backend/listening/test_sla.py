"""The service-level clock (listening/sla.py): working time, holidays, and the policies it reads."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.listening.models import SlaPolicy
from backend.listening.sla import signal_deadlines, working_deadline
from tests.factories import TeamFactory

AMS = ZoneInfo("Europe/Amsterdam")
CPH = ZoneInfo("Europe/Copenhagen")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(("start", "duration", "country", "expected"), [
    # Friday 16:30 + 1 h: half an hour on Friday, half an hour on Monday.
    (at(AMS, 2026, 3, 6, 16, 30), HOUR, "NL", at(AMS, 2026, 3, 9, 9, 30)),
    # A signal arriving at night counts from the next opening.
    (at(AMS, 2026, 3, 10, 2, 15), HOUR, "NL", at(AMS, 2026, 3, 10, 10, 0)),
    (at(AMS, 2026, 3, 10, 19, 0), 2 * HOUR, "NL", at(AMS, 2026, 3, 11, 11, 0)),
    # One working day from Monday 10:00 is Tuesday 10:00; from Saturday it is Monday at closing.
    (at(AMS, 2026, 3, 9, 10, 0), DAY, "NL", at(AMS, 2026, 3, 10, 10, 0)),
    (at(AMS, 2026, 3, 7, 14, 0), DAY, "NL", at(AMS, 2026, 3, 9, 17, 0)),
    # King's Day (Monday 27 April 2026) is no working day in NL, but is in DK.
    (at(AMS, 2026, 4, 24, 16, 0), 2 * HOUR, "NL", at(AMS, 2026, 4, 28, 10, 0)),
    (at(CPH, 2026, 4, 24, 16, 0), 2 * HOUR, "DK", at(CPH, 2026, 4, 27, 10, 0)),
    # Grundlovsdag (Friday 5 June 2026) is a Danish bank holiday, an ordinary Friday in NL.
    (at(CPH, 2026, 6, 4, 16, 0), 2 * HOUR, "DK", at(CPH, 2026, 6, 8, 10, 0)),
    (at(AMS, 2026, 6, 4, 16, 0), 2 * HOUR, "NL", at(AMS, 2026, 6, 5, 10, 0)),
    # Christmas: Thursday 24 December closes at five (DK: Christmas Eve is closed too), back on the 28th.
    (at(AMS, 2026, 12, 24, 16, 0), 2 * HOUR, "NL", at(AMS, 2026, 12, 28, 10, 0)),
    (at(CPH, 2026, 12, 23, 16, 0), 2 * HOUR, "DK", at(CPH, 2026, 12, 28, 10, 0)),
    # Exactly to closing stays that day.
    (at(AMS, 2026, 3, 10, 9, 0), 8 * HOUR, "NL", at(AMS, 2026, 3, 10, 17, 0)),
    # Across the spring DST change (Sunday 29 March 2026): still 09:00 local on Monday.
    (at(AMS, 2026, 3, 27, 16, 0), 2 * HOUR, "NL", at(AMS, 2026, 3, 30, 10, 0)),
    # A country without a time zone in the table counts in settings.TIME_ZONE, with its own holidays
    # through the same call: Austria's National Day, Monday 26 October 2026.
    (at(AMS, 2026, 10, 23, 16, 0), 2 * HOUR, "AT", at(AMS, 2026, 10, 27, 10, 0)),
    (at(AMS, 2026, 10, 23, 16, 0), 2 * HOUR, "NL", at(AMS, 2026, 10, 26, 10, 0)),
])
def test_working_deadline_counts_working_hours_on_working_days(start, duration, country, expected) -> None:
    assert working_deadline(start, duration, country) == expected


def test_working_deadline_answers_in_utc() -> None:
    deadline = working_deadline(at(AMS, 2026, 3, 9, 10, 0), HOUR, "NL")
    assert deadline.utcoffset() == timedelta(0)
    assert deadline == at(ZoneInfo("UTC"), 2026, 3, 9, 10, 0)


def test_working_hours_come_from_the_setting(settings) -> None:
    from datetime import time

    settings.RELAY_SLA_WORKING_HOURS = (time(8, 0), time(12, 0))
    assert working_deadline(at(AMS, 2026, 3, 9, 11, 30), HOUR, "NL") == at(AMS, 2026, 3, 10, 8, 30)


@pytest.mark.django_db
def test_the_default_policies_give_an_urgent_complaint_one_wall_clock_hour() -> None:
    team = TeamFactory.create(country="NL")
    saturday_night = at(AMS, 2026, 3, 7, 23, 0)

    urgent = signal_deadlines(kind="complaint", urgent=True, team=team, start=saturday_night)
    lead = signal_deadlines(kind="lead", urgent=False, team=team, start=saturday_night)

    assert (urgent.claim_due_at, urgent.claim_escalate_at) == (saturday_night + HOUR, saturday_night + 2 * HOUR)
    assert urgent.due_at == saturday_night + 4 * HOUR
    # A lead passed on at the weekend: one working day is Monday's; twice that is Tuesday's.
    assert (lead.claim_due_at, lead.claim_escalate_at) == (at(AMS, 2026, 3, 9, 17, 0), at(AMS, 2026, 3, 10, 17, 0))


@pytest.mark.django_db
def test_the_migration_seeds_the_defaults_and_a_teams_own_policy_wins() -> None:
    assert SlaPolicy.objects.filter(team__isnull=True).count() == 6
    feedback = SlaPolicy.objects.get(kind="feedback", team__isnull=True)
    assert (feedback.claim_within, feedback.resolve_within) == (5 * DAY, None)
    team = TeamFactory.create(country="DK")
    SlaPolicy.objects.create(kind="referral", team=team, claim_within=HOUR, resolve_within=None, working_time=False)
    start = at(CPH, 2026, 3, 7, 23, 0)

    own = signal_deadlines(kind="referral", urgent=False, team=team, start=start)
    other = signal_deadlines(kind="referral", urgent=False, team=TeamFactory.create(country="DK"), start=start)

    assert (own.claim_due_at, own.due_at, own.resolve_escalate_at) == (start + HOUR, None, None)
    assert other.claim_due_at == at(CPH, 2026, 3, 10, 17, 0)  # two working days from the weekend
