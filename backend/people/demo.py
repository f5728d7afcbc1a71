"""Loading the demo organisation from `fixtures/demo/organisation.json`, idempotently."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from backend.people.models import ChannelPresence, Interest, Membership, Profile, Role, Team, User

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo" / "organisation.json"


@transaction.atomic
def demo_organisation_load(*, data: dict[str, Any] | None = None, with_passwords: bool) -> dict[str, int]:
    """Create or update the demo people and teams; running it twice gives the same data.

    Passwords are set only when `with_passwords` (the caller passes `settings.DEBUG`), so a
    production database loaded by mistake has no known credentials.
    """
    data = data if data is not None else json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    for item in data["interests"]:
        Interest.objects.update_or_create(slug=item["slug"], defaults={"name": item["name"]})
    teams = {}
    for item in data["teams"]:
        team, _ = Team.objects.update_or_create(
            slug=item["slug"], defaults={"name": item["name"], "kind": item["kind"], "country": item["country"],
                      "is_triage": item.get("is_triage", False)},
        )
        teams[team.slug] = team
    interests = {i.slug: i for i in Interest.objects.all()}

    for item in data["people"]:
        is_admin = item["role"] == Role.ADMIN
        user, _ = User.objects.update_or_create(
            email=item["email"],
            defaults={"role": item["role"], "is_active": True, "is_staff": is_admin, "is_superuser": is_admin},
        )
        if with_passwords:
            if not user.check_password(settings.RELAY_DEMO_PASSWORD):
                user.set_password(settings.RELAY_DEMO_PASSWORD)
                user.save(update_fields=["password"])
        elif user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        profile, _ = Profile.objects.update_or_create(
            user=user,
            defaults={
                "display_name": item["display_name"],
                "language": item["language"],
                "location": item["location"],
                "time_zone": item["time_zone"],
                "leaderboard_opt_in": item["leaderboard_opt_in"],
            },
        )
        profile.interests.set([interests[s] for s in item["interests"]])
        ChannelPresence.objects.filter(profile=profile).exclude(
            channel__in=[c["channel"] for c in item["channels"]]
        ).delete()
        for c in item["channels"]:
            ChannelPresence.objects.update_or_create(
                profile=profile, channel=c["channel"], defaults={"network_size": c["network_size"]}
            )
        wanted = {t["slug"]: t["is_lead"] for t in item["teams"]}
        Membership.objects.filter(user=user).exclude(team__slug__in=wanted).delete()
        for slug, is_lead in wanted.items():
            Membership.objects.update_or_create(team=teams[slug], user=user, defaults={"is_lead": is_lead})

    return {
        "people": User.objects.filter(email__in=[p["email"] for p in data["people"]]).count(),
        "teams": len(teams),
        "interests": len(interests),
    }
