"""What an agent reads instead of the stored values: statuses, kinds, groupings and ages in the
console's language. The stored values (`claimed`, `friend_discount`) stay what the API speaks."""
from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from backend.console.labels import GROUPING_LABELS, STATUS_LABELS
from backend.listening.models import Kind

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
