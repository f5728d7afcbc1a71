from __future__ import annotations

from django.db.models import QuerySet

from backend.people.models import User
from notifications.models import Category, Notification, Preference, QuietHours


def inbox_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, silent=False)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, silent=False, read_at__isnull=True).count()


def preferences_for(*, user: User) -> dict:
    stored = dict(Preference.objects.filter(user=user).values_list("category", "push"))
    quiet = QuietHours.objects.filter(user=user).first() or QuietHours(user=user)
    return {
        "push": {c: stored.get(c, True) for c in Category.values},
        "quiet_hours": {"enabled": quiet.enabled, "start": quiet.start, "end": quiet.end,
                        "daily_story_cap": quiet.daily_story_cap},
        "time_zone": user.profile.time_zone if hasattr(user, "profile") else "Europe/Amsterdam",
    }
