"""factory-boy factories for the domain models (no JSON fixtures in tests)."""
from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from backend.listening.models import RoutingRule, Signal, SignalContact
from backend.people.models import ChannelPresence, Interest, Membership, Profile, Team, User
from backend.sharing.models import Campaign, Click, Guidelines, Share, Story, StoryDraft, StoryTarget

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    role = "employee"
    is_active = True

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:  # noqa: N805 - factory_boy passes the built object
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def profile(obj: User, create: bool, extracted: dict | None, **kwargs: object) -> None:  # noqa: N805 - factory_boy passes the built object
        if create:
            ProfileFactory.create(user=obj, **(extracted or {}))


class ProfileFactory(DjangoModelFactory[Profile]):
    class Meta:
        model = Profile

    display_name = factory.Faker("name")
    language = "nl"
    location = "Utrecht"


class InterestFactory(DjangoModelFactory[Interest]):
    class Meta:
        model = Interest
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"interest-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    kind = "sales"
    country = "NL"


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)


class ChannelPresenceFactory(DjangoModelFactory[ChannelPresence]):
    class Meta:
        model = ChannelPresence

    channel = "linkedin"
    network_size = 500


# --- listening ---------------------------------------------------------------------------------

class SignalFactory(DjangoModelFactory[Signal]):
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


class SignalContactFactory(DjangoModelFactory[SignalContact]):
    class Meta:
        model = SignalContact

    signal = factory.SubFactory(SignalFactory)
    name = "Piet"
    phone = "+31612345678"
    email = ""
    consent = True
    consent_wording_version = "2026-01"
    consent_at = factory.LazyFunction(timezone.now)


class RoutingRuleFactory(DjangoModelFactory[RoutingRule]):
    class Meta:
        model = RoutingRule

    priority = 90
    kind = "lead"
    language = ""
    keyword = ""
    team = factory.SubFactory(TeamFactory)


# --- sharing -----------------------------------------------------------------------------------

class CampaignFactory(DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    goal = "reach"
    owner = factory.SubFactory(UserFactory, role="editor")


class StoryFactory(DjangoModelFactory[Story]):
    """A published, unexpired story for everyone (no audience targets) unless told otherwise."""

    class Meta:
        model = Story

    title = factory.Sequence(lambda n: f"Story {n}")
    summary = "What happened"
    url = factory.Sequence(lambda n: f"https://bank.example/news/{n}")
    language = "nl"
    talking_points = factory.LazyFunction(lambda: ["A point to make"])
    suggested_texts = factory.LazyFunction(lambda: [{"channel": "linkedin", "language": "nl", "text": "Mooi nieuws!"}])
    state = "published"
    published_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory, role="editor")


class StoryTargetFactory(DjangoModelFactory[StoryTarget]):
    class Meta:
        model = StoryTarget

    story = factory.SubFactory(StoryFactory)
    dimension = "language"
    value = "nl"


class ShareFactory(DjangoModelFactory[Share]):
    class Meta:
        model = Share

    story = factory.SubFactory(StoryFactory)
    user = factory.SubFactory(UserFactory)
    channel = "linkedin"
    message = factory.Sequence(lambda n: f"My own words about this, number {n}")
    message_normalised = factory.LazyAttribute(lambda o: o.message.lower())
    code = factory.Sequence(lambda n: f"code{n:06d}")
    network_size = 100


class ClickFactory(DjangoModelFactory[Click]):
    class Meta:
        model = Click

    share = factory.SubFactory(ShareFactory)
    channel = factory.SelfAttribute("share.channel")
    visitor_key = factory.Sequence(lambda n: f"{n:032x}")
    at = factory.LazyFunction(timezone.now)


class StoryDraftFactory(DjangoModelFactory[StoryDraft]):
    class Meta:
        model = StoryDraft

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"My story {n}")
    text = "We helped the local football club with a new scoreboard."
    language = "nl"


class GuidelinesFactory(DjangoModelFactory[Guidelines]):
    class Meta:
        model = Guidelines

    version = factory.Sequence(lambda n: f"2026-{n:02d}")
    text = "Be yourself; never share customer data."
