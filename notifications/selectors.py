from __future__ import annotations

from django.db.models import QuerySet

from backend.core.errors import NotFound
from backend.people.models import Role, Team, User
from notifications.models import (
    Category,
    EmailPreference,
    Notification,
    Preference,
    QuietHours,
    WebhookDelivery,
    WebhookSubscription,
)


def inbox_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, silent=False)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, silent=False, read_at__isnull=True).count()


def preferences_for(*, user: User) -> dict:
    stored = dict(Preference.objects.filter(user=user).values_list("category", "push"))
    quiet = QuietHours.objects.filter(user=user).first() or QuietHours(user=user)
    email = EmailPreference.objects.filter(user=user).first() or EmailPreference(user=user)
    return {
        "push": {c: stored.get(c, True) for c in Category.values},
        "quiet_hours": {"enabled": quiet.enabled, "start": quiet.start, "end": quiet.end,
                        "daily_story_cap": quiet.daily_story_cap},
        "email": {"digest": email.digest, "daily_summary": email.daily_summary, "escalations": email.escalations},
        "time_zone": user.profile.time_zone if hasattr(user, "profile") else "Europe/Amsterdam",
    }


# --- webhook subscriptions (issue 18) ---------------------------------------------------------------
def webhook_teams_managed_by(*, user: User) -> QuerySet[Team]:
    """The teams whose webhooks this person manages: an admin all, a team lead their own."""
    if user.role == Role.ADMIN:
        return Team.objects.filter(is_triage=False).order_by("name")
    return Team.objects.filter(memberships__user=user, memberships__is_lead=True).order_by("name")


def webhook_subscriptions_for(*, user: User) -> QuerySet[WebhookSubscription]:
    return (WebhookSubscription.objects.filter(team__in=webhook_teams_managed_by(user=user))
            .select_related("team").order_by("team__name", "pk"))


def webhook_subscription_get_for(*, user: User, subscription_id: int) -> WebhookSubscription:
    sub = webhook_subscriptions_for(user=user).filter(pk=subscription_id).first()
    if sub is None:
        raise NotFound("Webhook not found.")
    return sub


def webhook_deliveries_recent(*, subscription: WebhookSubscription, limit: int = 50) -> list[WebhookDelivery]:
    """What the console shows: state, code, latency, attempts; never a response body (none is stored)."""
    return list(subscription.deliveries.order_by("-created_at", "-pk")[:limit])
