"""factory-boy factories for the domain models (no JSON fixtures in tests)."""
from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from backend.people.models import ChannelPresence, Interest, Membership, Profile, Team, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    role = "employee"
    is_active = True

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:  # noqa: N805
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def profile(obj: User, create: bool, extracted: dict | None, **kwargs: object) -> None:  # noqa: N805
        if create:
            ProfileFactory(user=obj, **(extracted or {}))


class ProfileFactory(DjangoModelFactory):
    class Meta:
        model = Profile

    display_name = factory.Faker("name")
    language = "nl"
    location = "Utrecht"


class InterestFactory(DjangoModelFactory):
    class Meta:
        model = Interest
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"interest-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    kind = "sales"
    country = "NL"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)


class ChannelPresenceFactory(DjangoModelFactory):
    class Meta:
        model = ChannelPresence

    channel = "linkedin"
    network_size = 500


# --- listening ---------------------------------------------------------------------------------
from django.utils import timezone  # noqa: E402

from backend.listening.models import RoutingRule, Signal, SignalContact  # noqa: E402


class SignalFactory(DjangoModelFactory):
    """A signal as if already classified and routed (no nlp call), for queue and permission tests."""

    class Meta:
        model = Signal

    submitter = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Mijn buurman wil een hypotheekofferte ({n})")
    kind = "lead"
    kind_predicted = factory.SelfAttribute("kind")
    language = "nl"
    confidence = 0.95
    scores = factory.LazyAttribute(lambda o: {o.kind: 0.95})
    model_version = "test-model"
    team = factory.SubFactory(TeamFactory)
    status = "new"
    captured_at = factory.LazyFunction(timezone.now)


class SignalContactFactory(DjangoModelFactory):
    class Meta:
        model = SignalContact

    signal = factory.SubFactory(SignalFactory)
    name = "Piet"
    phone = "+31612345678"
    email = ""
    consent = True
    consent_wording_version = "2026-01"
    consent_at = factory.LazyFunction(timezone.now)


class RoutingRuleFactory(DjangoModelFactory):
    class Meta:
        model = RoutingRule

    priority = 90
    kind = "lead"
    language = ""
    keyword = ""
    team = factory.SubFactory(TeamFactory)
