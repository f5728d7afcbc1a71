"""Reads of sharing, and the one place that decides who may see which story, draft or campaign.

Visibility: editors and admins see every story; everyone else sees a story while it is published
and unexpired and its audience includes them (alumni only stories flagged for alumni). Drafts are
seen by their author and by editors. What a person may not see answers 404.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.errors import NotFound
from backend.people.models import Membership, Profile, Role, User
from backend.sharing.models import (
    Campaign,
    DailySalt,
    Dimension,
    DraftStatus,
    Guidelines,
    GuidelinesAcceptance,
    Reaction,
    Share,
    Story,
    StoryDraft,
    StoryState,
    StoryTarget,
)

EDITOR_ROLES = frozenset({Role.EDITOR, Role.ADMIN})


def is_editor(user: User) -> bool:
    return user.role in EDITOR_ROLES


@dataclass(frozen=True)
class Reader:
    """What the audience rules look at, read once per request (a constant number of queries)."""

    user_id: int
    role: str
    team_ids: list[str]
    interests: list[str]
    languages: list[str]
    preferred_language: str
    location: str

    @property
    def is_alumni(self) -> bool:
        return self.role == Role.ALUMNI


def reader_for(*, user: User) -> Reader:
    profile = Profile.objects.filter(user=user).prefetch_related("interests").first()
    teams = [str(t) for t in Membership.objects.filter(user=user).values_list("team_id", flat=True)]
    language = profile.language if profile else "en"
    languages = [language, *[lang for lang in (profile.other_languages if profile else []) if lang != language]]
    return Reader(
        user_id=user.pk, role=user.role, team_ids=teams,
        interests=[i.slug for i in profile.interests.all()] if profile else [],
        languages=languages, preferred_language=language, location=profile.location if profile else "",
    )


def _targets(dimension: str, values: list[str]) -> Q:
    """Stories with a target in `dimension` among `values` (for the relevance score).

    `IN (SELECT story_id ...)` rather than a correlated `EXISTS`: PostgreSQL hashes the subquery
    once, and estimates it honestly. Inside an `OR`, the `EXISTS` form was costed per row, which
    pushed the plan over `jit_above_cost` and spent 1.7 s compiling a 50 ms query.
    """
    return Q(pk__in=StoryTarget.objects.filter(dimension=dimension, value__in=values).values("story_id"))


def _reader_values(reader: Reader) -> dict[str, list[str]]:
    return {
        Dimension.TEAM: reader.team_ids, Dimension.ROLE: [reader.role], Dimension.INTEREST: reader.interests,
        Dimension.LANGUAGE: reader.languages, Dimension.LOCATION: [reader.location] if reader.location else [],
    }


def audience_filter(reader: Reader) -> Q:
    """A story is for the reader when, in every dimension it targets, one value matches them.

    Said the other way round, in one grouped pass over the targets: a story is *not* for me when
    one of the dimensions it targets has no value that matches me. One hashed subquery, however
    many dimensions (the per-dimension `NOT IN` + `IN` pairs were ten, each a scan of its dimension).
    """
    matches_me = Q()
    for dimension, values in _reader_values(reader).items():
        if values:
            matches_me |= Q(dimension=dimension, value__in=values)
    hit = Max(Case(When(matches_me, then=Value(1)), default=Value(0))) if matches_me else Value(0)
    missed_dimension = (
        StoryTarget.objects.filter(story=OuterRef("pk")).order_by().values("dimension")
        .annotate(hit=hit).filter(hit=0)
    )
    q = Q(~Exists(missed_dimension))
    if reader.is_alumni:
        q &= Q(for_alumni=True)
    return q


def _live(now: datetime) -> Q:
    return Q(state=StoryState.PUBLISHED) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def feed_for_user(
    *, user: User, reader: Reader | None = None, now: datetime | None = None, window: int | None = -1,
) -> QuerySet[Story]:
    """The published, unexpired stories for me, with a relevance score and what I did with each.

    Relevance (higher first): not yet shared by me 4, one of my interests 3, aimed at one of my
    teams 2, in my preferred language 2 (another language I read 1), published in the last 3 days 2
    (last week 1). Computed in SQL so the page is one query whatever its size.

    The candidates are the `window` most recently published live stories for me
    (`RELAY_FEED_WINDOW`, default 200; None: all of them), ranked by relevance among themselves.
    The feed is meant to be short; and so the score is computed for a bounded number of rows that
    the database finds by walking the feed index newest first, instead of for every live story.
    """
    now = now or timezone.now()
    reader = reader or reader_for(user=user)
    window = settings.RELAY_FEED_WINDOW if window == -1 else window
    my_shares = Share.objects.filter(user_id=reader.user_id)
    share_count = (
        my_shares.filter(story=OuterRef("pk")).order_by().values("story").annotate(n=Count("id")).values("n")
    )
    score = (
        Case(When(pk__in=my_shares.values("story_id"), then=Value(0)), default=Value(4))
        + Case(When(_targets(Dimension.INTEREST, reader.interests), then=Value(3)), default=Value(0))
        + Case(When(_targets(Dimension.TEAM, reader.team_ids), then=Value(2)), default=Value(0))
        + Case(When(language=reader.preferred_language, then=Value(2)),
               When(language__in=reader.languages, then=Value(1)), default=Value(0))
        + Case(When(published_at__gte=now - timedelta(days=3), then=Value(2)),
               When(published_at__gte=now - timedelta(days=7), then=Value(1)), default=Value(0))
    )
    candidates = Story.objects.filter(_live(now) & audience_filter(reader))
    if window is not None:
        newest = candidates.order_by("-published_at", "-id").values("pk")[:window]
        candidates = Story.objects.filter(pk__in=newest)
    return (
        candidates
        .select_related("campaign")
        .annotate(
            relevance=ExpressionWrapper(score, output_field=IntegerField()),
            my_share_count=Coalesce(Subquery(share_count, output_field=IntegerField()), Value(0)),
            my_liked=Exists(Reaction.objects.filter(story=OuterRef("pk"), user_id=reader.user_id, kind="like")),
        )
    )


def story_get_for_user(*, user: User, story_id: int, now: datetime | None = None) -> Story:
    """Fetch and authorise in one step: 404 for a story the person may not see."""
    stories = Story.objects.select_related("campaign", "author__profile").filter(pk=story_id)
    if not is_editor(user):
        stories = stories.filter(_live(now or timezone.now()) & audience_filter(reader_for(user=user)))
    story = stories.first()
    if story is None:
        raise NotFound(_("Story not found."))
    return story


def stories_for_editor(*, state: str | None = None, campaign_id: int | None = None) -> QuerySet[Story]:
    stories = Story.objects.select_related("campaign", "author__profile").prefetch_related("targets")
    if state:
        stories = stories.filter(state=state)
    if campaign_id:
        stories = stories.filter(campaign_id=campaign_id)
    return stories


def story_for_editor(*, story_id: int) -> Story:
    story = stories_for_editor().filter(pk=story_id).first()
    if story is None:
        raise NotFound(_("Story not found."))
    return story


def story_audience(*, story: Story) -> dict[str, list[Any]]:
    """{dimension: sorted values}; team ids as numbers, as the API takes them."""
    audience: dict[str, list[Any]] = {d.value: [] for d in Dimension}
    for target in story.targets.all():
        value = target.value
        audience[target.dimension].append(int(value) if target.dimension == Dimension.TEAM else value)
    return {k: sorted(v) for k, v in audience.items()}


def audience_user_ids(*, story: Story) -> list[int]:
    """Everyone active whom the story is for: the inverse of the feed's audience filter."""
    audience = story_audience(story=story)
    users = User.objects.filter(is_active=True)
    if not story.for_alumni:
        users = users.exclude(role=Role.ALUMNI)
    if audience[Dimension.TEAM]:
        users = users.filter(memberships__team_id__in=audience[Dimension.TEAM])
    if audience[Dimension.ROLE]:
        users = users.filter(role__in=audience[Dimension.ROLE])
    if audience[Dimension.INTEREST]:
        users = users.filter(profile__interests__slug__in=audience[Dimension.INTEREST])
    if audience[Dimension.LOCATION]:
        users = users.filter(profile__location__in=audience[Dimension.LOCATION])
    rows = users.distinct().values_list("pk", "profile__language", "profile__other_languages")
    wanted = set(audience[Dimension.LANGUAGE])
    return sorted(
        pk for pk, language, others in rows
        if not wanted or language in wanted or wanted & set(others or [])
    )


def campaign_get(*, campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_related("owner__profile").filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("Campaign not found."))
    return campaign


def campaigns_list(*, include_archived: bool = False) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.select_related("owner__profile").annotate(story_count=Count("stories"))
    return campaigns if include_archived else campaigns.filter(archived_at__isnull=True)


def drafts_for_user(*, user: User, status: str | None = None) -> QuerySet[StoryDraft]:
    """Editors see every draft (waiting ones first when they filter); others only their own."""
    drafts = StoryDraft.objects.select_related("author__profile").prefetch_related("reviews__reviewer__profile")
    if not is_editor(user):
        drafts = drafts.filter(author=user)
    if status:
        drafts = drafts.filter(status=status)
    return drafts


def draft_get_for_user(*, user: User, draft_id: int) -> StoryDraft:
    draft = drafts_for_user(user=user).filter(pk=draft_id).first()
    if draft is None:
        raise NotFound(_("Draft not found."))
    return draft


def drafts_waiting_count() -> int:
    return StoryDraft.objects.filter(status=DraftStatus.SUBMITTED).count()


def guidelines_current() -> Guidelines | None:
    return Guidelines.objects.order_by("-created_at", "-id").first()


def guidelines_text(*, guidelines: Guidelines, language: str) -> str:
    """The guidelines in the reader's language when there is a translation, else as written."""
    translated = guidelines.translations.get(language) if isinstance(guidelines.translations, dict) else None
    return translated if isinstance(translated, str) and translated else guidelines.text


def guidelines_accepted_at(*, user: User, guidelines: Guidelines) -> datetime | None:
    return (
        GuidelinesAcceptance.objects.filter(user=user, guidelines=guidelines)
        .values_list("accepted_at", flat=True).first()
    )


def tracked_link_get(*, code: str, day: date) -> Mapping[str, Any] | None:
    """Where the tracked link `code` leads — the share's `id` and `channel`, its story's `url`, the
    campaign's `campaign_slug` — and `day`'s visitor-key `salt` (None before the day's first click);
    None for an unknown code. One query on the unique code: the salt comes along as a subquery
    rather than being kept by the process between requests."""
    link: Mapping[str, Any] | None = (
        Share.objects.filter(code=code)
        .values("id", "channel", url=F("story__url"), campaign_slug=F("story__campaign__slug"),
                salt=Subquery(DailySalt.objects.filter(day=day).values("salt")))
        .first()
    )
    return link
