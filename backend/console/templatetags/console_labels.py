"""What an agent reads instead of the stored values: statuses, kinds, groupings and ages in the
console's language. The stored values (`claimed`, `friend_discount`) stay what the API speaks."""
from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from backend.console.labels import GROUPING_LABELS, STATUS_LABELS
from backend.listening import sla
from backend.listening.models import Kind, Signal

register = template.Library()

@register.filter
def status_label(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


@register.filter
def kind_label(value: str) -> str:
    try:
        return str(Kind(value).label)
    except ValueError:
        return value


@register.filter
def grouping_label(value: str) -> str:
    return str(GROUPING_LABELS.get(value, value))


@register.filter
def age(value: datetime | None) -> str:
    """How long ago, like `timesince`, but "just now" under a minute rather than "0 minutes"."""
    if value is None:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return _("just now")
    return timesince(value)


def _span(delta: timedelta) -> str:
    """A short span: "3 d 4 h", "2 h 10 min", "35 min" (minutes rounded up: "1 min" until it is due)."""
    minutes = max(int((delta.total_seconds() + 59) // 60), 1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@register.filter
def time_left(signal: Signal) -> str:
    """The service-level time on a desk (issue 20): "claim within 2 h 10 min" or "claim overdue by
    35 min" while unclaimed, then "2 h 10 min left" or "overdue by 35 min" to the resolution; "" when
    there is none."""
    deadline = sla.next_deadline(signal)
    if deadline is None:
        return ""
    now = timezone.now()
    # The row also shows "due <the resolution's date>": a count to the claim deadline says so.
    if signal.assignee_id is None and deadline == signal.claim_due_at:
        if deadline >= now:
            return _("claim within %(span)s") % {"span": _span(deadline - now)}
        return _("claim overdue by %(span)s") % {"span": _span(now - deadline)}
    if deadline >= now:
        return _("%(span)s left") % {"span": _span(deadline - now)}
    return _("overdue by %(span)s") % {"span": _span(now - deadline)}
