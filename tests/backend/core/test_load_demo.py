from __future__ import annotations

import pytest
from django.core.management import call_command

from backend.listening.models import RoutingRule
from backend.people.models import ChannelPresence, Membership, Profile, Team, User

pytestmark = pytest.mark.django_db

REQUIRED_LOGINS = {
    "emma@relay.demo": "employee", "lars@relay.demo": "employee", "sam@relay.demo": "sales",
    "rasmus@relay.demo": "sales", "sofie@relay.demo": "support", "rita@relay.demo": "recruitment",
    "mark@relay.demo": "editor", "olga@relay.demo": "alumni", "admin@relay.demo": "admin",
}


def snapshot() -> dict:
    return {
        "users": sorted(User.objects.values_list("email", "role", "is_active", "is_staff")),
        "profiles": sorted(Profile.objects.values_list("user__email", "display_name", "language", "location")),
        "teams": sorted(Team.objects.values_list("slug", "name", "kind", "country")),
        "members": sorted(Membership.objects.values_list("team__slug", "user__email", "is_lead")),
        "channels": sorted(ChannelPresence.objects.values_list("profile__user__email", "channel", "network_size")),
        "interests": sorted(Profile.objects.values_list("user__email", "interests__slug")),
        "rules": sorted(RoutingRule.objects.values_list("priority", "kind", "language", "keyword", "team__slug")),
    }


def test_loading_the_demo_twice_gives_the_same_data(settings) -> None:
    settings.DEBUG = True
    call_command("load_demo")
    first = snapshot()

    call_command("load_demo")

    assert snapshot() == first
    assert len(first["users"]) == 25
    assert {t[0] for t in first["teams"]} == {"sales-nl", "sales-dk", "support", "recruitment", "marketing", "triage"}
    assert first["rules"] == sorted(first["rules"]) and len(first["rules"]) == 9


def test_demo_logins_exist_with_their_roles_and_password_when_debug(settings) -> None:
    settings.DEBUG = True
    call_command("load_demo")

    for email, role in REQUIRED_LOGINS.items():
        user = User.objects.get(email=email)
        assert user.role == role
        assert user.check_password("relay-demo"), email
    assert Profile.objects.get(user__email="emma@relay.demo").language == "nl"
    assert Profile.objects.get(user__email="lars@relay.demo").language == "da"
    assert Membership.objects.filter(user__email="sam@relay.demo", team__slug="sales-nl").exists()
    assert Membership.objects.filter(user__email="rasmus@relay.demo", team__slug="sales-dk").exists()
    assert User.objects.get(email="admin@relay.demo").is_superuser


def test_demo_has_no_passwords_when_debug_is_off(settings) -> None:
    settings.DEBUG = True
    call_command("load_demo")
    settings.DEBUG = False

    call_command("load_demo")

    assert not User.objects.filter(email__endswith="@relay.demo").exclude(password__startswith="!").exists()
