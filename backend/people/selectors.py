"""Reads about people and teams."""
from __future__ import annotations

from django.db.models import QuerySet

from backend.people.models import Interest, Profile, Team, User


def profile_get_for_user(*, user: User) -> Profile:
    return (
        Profile.objects.select_related("user")
        .prefetch_related("interests", "channels")
        .get(user=user)
    )


def teams_for_user(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user).order_by("name")


def teams_list() -> QuerySet[Team]:
    """Every team, triage first: the choices of a re-route."""
    return Team.objects.order_by("-is_triage", "name")


def interests_list() -> QuerySet[Interest]:
    return Interest.objects.order_by("name")
