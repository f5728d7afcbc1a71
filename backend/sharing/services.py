"""Write operations of sharing: campaigns and stories (editors), publishing and expiry (beat),
guidelines acceptance, shares and reactions, clicks on tracked links, drafts and their review.

Every write is keyword-only and transactional. State changes that others may race (publishing,
archiving, reviewing) are conditional `UPDATE`s or take the row lock; never check-then-act.
"""
from __future__ import annotations

import logging
import secrets
import string
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from backend.core.errors import Conflict, DomainError, NotFound
from backend.core.text import text_clean
from backend.people.models import ChannelPresence, Role, User
from backend.sharing import events, images, links, selectors
from backend.sharing.models import (
    KPI_NAMES,
    Campaign,
    Click,
    DailySalt,
    Dimension,
    DraftDecision,
    DraftReview,
    DraftStatus,
    GuidelinesAcceptance,
    Reaction,
    Share,
    Story,
    StoryDraft,
    StoryState,
    StoryTarget,
)

logger = logging.getLogger(__name__)

_CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 8  # 62^8 ≈ 2·10^14: unguessable enough that codes cannot be enumerated
_EDITABLE = (StoryState.DRAFT, StoryState.SCHEDULED, StoryState.PUBLISHED)


# --- campaigns ---------------------------------------------------------------------------------
def _validate_kpis(kpi_targets: dict[str, Any] | None) -> dict[str, int]:
    targets = kpi_targets or {}
    unknown = sorted(set(targets) - set(KPI_NAMES))
    if unknown:
        raise DomainError(_("Unknown KPI."), code="validation_error",
                          fields={"kpi_targets": [_("Unknown: %(unknown)s. Use %(known)s.") % {
                              "unknown": ", ".join(unknown), "known": ", ".join(KPI_NAMES)}]})
    return {k: int(v) for k, v in targets.items()}


def _validate_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError(_("The campaign ends before it starts."), code="validation_error",
                          fields={"ends_on": [_("Must not be before starts_on.")]})


@transaction.atomic
def campaign_create(
    *, by: User, name: str, goal: str, description: str = "", kpi_targets: dict[str, Any] | None = None,
    starts_on: date | None = None, ends_on: date | None = None, owner: User | None = None,
) -> Campaign:
    _validate_dates(starts_on, ends_on)
    return Campaign.objects.create(
        name=name, slug=slugify(name)[:60] or "campaign", goal=goal, description=description,
        kpi_targets=_validate_kpis(kpi_targets), starts_on=starts_on, ends_on=ends_on, owner=owner or by,
    )


@transaction.atomic
def campaign_update(*, campaign_id: int, **changes: Any) -> Campaign:
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("Campaign not found."))
    if campaign.archived_at is not None:
        raise Conflict(_("An archived campaign cannot change."), code="campaign_archived")
    if "kpi_targets" in changes:
        changes["kpi_targets"] = _validate_kpis(changes["kpi_targets"])
    _validate_dates(changes.get("starts_on", campaign.starts_on), changes.get("ends_on", campaign.ends_on))
    for name, value in changes.items():
        setattr(campaign, name, value)
    if changes:
        campaign.save(update_fields=list(changes))
    return campaign


@transaction.atomic
def campaign_archive(*, campaign_id: int, now: datetime | None = None) -> Campaign:
    updated = Campaign.objects.filter(pk=campaign_id, archived_at__isnull=True).update(
        archived_at=now or timezone.now()
    )
    campaign = selectors.campaign_get(campaign_id=campaign_id)
    if not updated:
        raise Conflict(_("The campaign is already archived."), code="campaign_archived")
    return campaign


# --- stories -----------------------------------------------------------------------------------
def _audience_rows(story: Story, audience: dict[str, list[Any]]) -> list[StoryTarget]:
    rows = []
    for dimension in Dimension:
        for value in sorted({str(v) for v in audience.get(dimension.value, []) if str(v)}):
            rows.append(StoryTarget(story=story, dimension=dimension.value, value=value[:80]))
    return rows


def _check_times(publish_at: datetime | None, expires_at: datetime | None) -> None:
    if publish_at and expires_at and expires_at <= publish_at:
        raise DomainError(_("A story must expire after it is published."), code="validation_error",
                          fields={"expires_at": [_("Must be later than publish_at.")]})


@transaction.atomic
def story_create(*, by: User, audience: dict[str, list[Any]] | None = None, campaign_id: int | None = None,
                 image: UploadedFile | None = None, **fields: Any) -> Story:
    """A new story in the draft state; `story_schedule` publishes it (now or later). `image` is an
    upload, validated and stored by `images.image_store` (after every other check, so a refused
    story stores no file)."""
    if campaign_id is not None and not Campaign.objects.filter(pk=campaign_id, archived_at__isnull=True).exists():
        raise DomainError(_("No such active campaign."), code="validation_error", fields={"campaign": [_("Unknown.")]})
    _check_times(fields.get("publish_at"), fields.get("expires_at"))
    if image is not None:
        fields["image"] = images.image_store(upload=image, folder="stories")
    story = Story.objects.create(created_by=by, campaign_id=campaign_id, state=StoryState.DRAFT, **fields)
    StoryTarget.objects.bulk_create(_audience_rows(story, audience or {}))
    return story


@transaction.atomic
def story_update(*, story_id: int, audience: dict[str, list[Any]] | None = None, image: UploadedFile | None = None,
                 remove_image: bool = False, **changes: Any) -> Story:
    """Change content, times, image or audience. Takes the story's row lock so a publish cannot
    interleave. A new `image` replaces the uploaded one; `remove_image` drops it (the file stays in
    storage: links already shared may show it in previews)."""
    story = Story.objects.select_for_update().filter(pk=story_id).first()
    if story is None:
        raise NotFound(_("Story not found."))
    if story.state not in _EDITABLE:
        raise Conflict(_("A story that is %(state)s cannot change.") % {"state": story.state}, code="story_not_editable")
    if "campaign_id" in changes and changes["campaign_id"] is not None and not Campaign.objects.filter(
        pk=changes["campaign_id"], archived_at__isnull=True
    ).exists():
        raise DomainError(_("No such active campaign."), code="validation_error", fields={"campaign": [_("Unknown.")]})
    _check_times(changes.get("publish_at", story.publish_at), changes.get("expires_at", story.expires_at))
    if image is not None:
        changes["image"] = images.image_store(upload=image, folder="stories")
    elif remove_image:
        changes["image"] = ""
    for name, value in changes.items():
        setattr(story, name, value)
    if changes:
        story.save(update_fields=[*changes, "updated_at"])
    if audience is not None:
        StoryTarget.objects.filter(story=story).delete()
        StoryTarget.objects.bulk_create(_audience_rows(story, audience))
    return story


def _publish(story: Story, *, now: datetime) -> None:
    """Tell the audience; the caller has just moved the story to published with a conditional update."""
    story.state, story.published_at = StoryState.PUBLISHED, now
    events.story_published(story, user_ids=selectors.audience_user_ids(story=story))


@transaction.atomic
def story_schedule(
    *, story_id: int, publish_at: datetime | None = None, expires_at: datetime | None = None,
    now: datetime | None = None,
) -> Story:
    """Publish at `publish_at` (now when omitted or past). A published story can only move its expiry."""
    now = now or timezone.now()
    story = Story.objects.select_for_update().filter(pk=story_id).first()
    if story is None:
        raise NotFound(_("Story not found."))
    if story.state not in (StoryState.DRAFT, StoryState.SCHEDULED):
        raise Conflict(_("A story that is %(state)s cannot be scheduled.") % {"state": story.state}, code="invalid_transition",
                       extra={"allowed": ["draft", "scheduled"]})
    publish_at = publish_at or now
    expires_at = expires_at if expires_at is not None else story.expires_at
    _check_times(publish_at, expires_at)
    if expires_at and expires_at <= now:
        raise DomainError(_("The expiry time has passed."), code="validation_error",
                          fields={"expires_at": [_("Must be in the future.")]})
    story.publish_at, story.expires_at = publish_at, expires_at
    if publish_at <= now:
        story.state, story.published_at = StoryState.PUBLISHED, now
        story.save(update_fields=["publish_at", "expires_at", "state", "published_at", "updated_at"])
        _publish(story, now=now)
    else:
        story.state = StoryState.SCHEDULED
        story.save(update_fields=["publish_at", "expires_at", "state", "updated_at"])
    return story


@transaction.atomic
def story_archive(*, story_id: int) -> Story:
    """Take a story out of every feed for good; its shares, links and figures stay."""
    updated = Story.objects.filter(pk=story_id).exclude(state=StoryState.ARCHIVED).update(
        state=StoryState.ARCHIVED, updated_at=timezone.now()
    )
    story = selectors.story_for_editor(story_id=story_id)
    if not updated:
        raise Conflict(_("The story is already archived."), code="invalid_transition", extra={"allowed": []})
    return story


def stories_publish_due(*, now: datetime | None = None) -> int:
    """Publish every scheduled story whose time has come (beat, every minute). Safe to run twice:
    each story is claimed by a conditional UPDATE, so only one run notifies its audience."""
    now = now or timezone.now()
    published = 0
    due = list(Story.objects.filter(state=StoryState.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True))
    for story_id in due:
        with transaction.atomic():
            if not Story.objects.filter(pk=story_id, state=StoryState.SCHEDULED).update(
                state=StoryState.PUBLISHED, published_at=now, updated_at=now
            ):
                continue  # another worker or an editor got there first
            _publish(Story.objects.get(pk=story_id), now=now)
            published += 1
    return published


@transaction.atomic
def stories_expire_due(*, now: datetime | None = None) -> int:
    """Feeds already hide expired stories by time; this makes the state say so too (beat)."""
    now = now or timezone.now()
    return Story.objects.filter(state=StoryState.PUBLISHED, expires_at__lte=now).update(
        state=StoryState.EXPIRED, updated_at=now
    )


# --- guidelines ---------------------------------------------------------------------------------
@transaction.atomic
def guidelines_accept(*, user: User, version: str) -> GuidelinesAcceptance:
    current = selectors.guidelines_current()
    if current is None:
        raise NotFound(_("There are no guidelines to accept."))
    if current.version != version:
        raise Conflict(_("These are not the guidelines in force; read the current version."),
                       code="guidelines_outdated", extra={"current_version": current.version})
    acceptance, _created = GuidelinesAcceptance.objects.get_or_create(user=user, guidelines=current)
    return acceptance


# --- shares --------------------------------------------------------------------------------------
@dataclass
class ShareResult:
    share: Share
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _similar_share(*, story: Story, user: User, normalised: str) -> tuple[int, float] | None:
    """The most similar recent message by someone else for the same story, above the threshold."""
    threshold = settings.RELAY_SHARE_SIMILARITY_THRESHOLD
    others = (
        Share.objects.filter(story=story).exclude(user=user).order_by("-id")
        .values_list("pk", "message_normalised")[: settings.RELAY_SHARE_COMPARE_LAST]
    )
    best: tuple[int, float] | None = None
    for pk, text in others:
        score = links.similarity(normalised, text)
        if score >= threshold and (best is None or score > best[1]):
            best = (pk, score)
            if score == 1.0:
                break
    return best


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def share_create(*, story_id: int, by: User, channel: str, message: str, now: datetime | None = None) -> ShareResult:
    """Share a live story in one's own words. Refused without a personal message, before the current
    guidelines are accepted, and — when the organisation says so — when the message nearly copies
    another employee's message for the same story; otherwise such a copy gets a warning."""
    now = now or timezone.now()
    story = selectors.story_get_for_user(user=by, story_id=story_id, now=now)
    if story.state != StoryState.PUBLISHED or (story.expires_at and story.expires_at <= now):
        raise Conflict(_("Only a published story can be shared."), code="story_not_live")
    current = selectors.guidelines_current()
    if current is not None and selectors.guidelines_accepted_at(user=by, guidelines=current) is None:
        raise Conflict(_("Please read and accept the social-media guidelines first."), code="guidelines_required",
                       extra={"guidelines_version": current.version})

    message = text_clean(message)
    normalised = links.message_normalise(message)
    if len(normalised.replace(" ", "")) < 3:
        raise DomainError(_("Add a few words of your own: a share always carries a personal message."),
                          code="message_required", fields={"message": [_("Write your own message (a link alone is not one).")]})

    warnings: list[dict[str, Any]] = []
    similar = _similar_share(story=story, user=by, normalised=normalised)
    if similar is not None:
        identical = similar[1] >= 0.999
        reason = _(
            "Your message is identical to a colleague's message for this story; posts that all read alike look like spam."
        ) if identical else _(
            "Your message is nearly identical to a colleague's message for this story; posts that all read alike look like spam."
        )
        if settings.RELAY_SHARE_REFUSE_SIMILAR:
            raise DomainError(reason + " " + _("Please say it in your own words."), code="message_too_similar",
                              fields={"message": [_("Too similar (%(percent)d%%).") % {"percent": round(similar[1] * 100)}]})
        warnings.append({"code": "similar_message", "message": reason,
                         "similarity": round(similar[1], 3)})
    suggested = {links.message_normalise(s.get("text", "")) for s in story.suggested_texts if isinstance(s, dict)}
    if normalised in suggested:
        warnings.append({"code": "suggested_text_unchanged",
                         "message": _("This is the suggested text word for word; a personal touch works better."),
                         "similarity": 1.0})

    network = ChannelPresence.objects.filter(profile__user=by, channel=channel).values_list(
        "network_size", flat=True).first() or 0
    for _attempt in range(5):
        try:
            with transaction.atomic():  # a savepoint: a code collision retries with a new code
                share = Share.objects.create(
                    story=story, user=by, channel=channel, message=message, message_normalised=normalised,
                    code=_new_code(), network_size=network,
                    similar_to_id=similar[0] if similar else None, similarity=similar[1] if similar else None,
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - 62^8 codes
        raise Conflict(_("Could not make a short link; please retry."), code="retry")
    share.story = story
    return ShareResult(share=share, warnings=warnings)


# --- clicks on tracked links -----------------------------------------------------------------------
def daily_salt(*, day: date) -> str:
    """The salt of `day`'s visitor keys, made by its first click and shared by every process through
    the database. When two processes make it at once, `get_or_create` reads back the one stored."""
    return DailySalt.objects.get_or_create(day=day, defaults={"salt": secrets.token_hex(32)})[0].salt


@dataclass(frozen=True)
class ClickTarget:
    """Where a tracked link leads: what the redirect needs to build the UTM URL."""

    share_id: int
    channel: str
    url: str
    campaign_slug: str | None


def _click_counts(*, share_id: int, visitor: str, now: datetime) -> bool:
    """Whether this visit may still count: at most RELAY_CLICKS_PER_VISITOR_HOUR clicks per visitor
    (an address, hashed with the day's salt) and link per hour, counted atomically in the shared cache,
    so reloading a link cannot inflate its figures. The visitor is still sent on either way. Fails
    open (counts) when the cache is down: a lost click matters more than an inflated one."""
    hour = int(now.timestamp() // 3600)
    key = f"click-rate:{share_id}:{visitor}:{hour}"
    try:
        if cache.add(key, 1, timeout=3600 + 60):
            return True
        return cache.incr(key) <= settings.RELAY_CLICKS_PER_VISITOR_HOUR
    except Exception:  # noqa: BLE001 - Redis down (ConnectionError, TimeoutError, ...): fail open
        logger.warning("click rate cache unavailable; counting the click", exc_info=False)
        return True


def click_record_for_code(
    *, code: str, referrer: str, address: str, user_agent: str, now: datetime | None = None,
) -> ClickTarget | None:
    """Record a visit through the tracked link `code` and say where it leads; None for an unknown code.

    Not `atomic` on purpose: the lookup needs no transaction, and the click is one `INSERT` in
    autocommit, durable before the redirect is answered, with no lock held and nothing kept in
    memory. An unknown code inserts nothing. Preview bots are recorded as bots so figures can leave
    them out; the address is hashed with the day's salt and forgotten.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    link = selectors.tracked_link_get(code=code, day=day)
    if link is None:
        return None
    salt = link["salt"] or daily_salt(day=day)
    visitor = links.visitor_key(salt=salt, address=address)
    if _click_counts(share_id=link["id"], visitor=visitor, now=now):
        Click.objects.create(
            share_id=link["id"], channel=link["channel"], referrer_domain=links.referrer_domain(referrer),
            visitor_key=visitor, is_bot=links.is_preview_bot(user_agent), at=now,
        )
    return ClickTarget(share_id=link["id"], channel=link["channel"], url=link["url"],
                       campaign_slug=link["campaign_slug"])


@transaction.atomic
def salts_purge_old(*, now: datetime | None = None, keep_days: int = 2) -> int:
    """Forget old salts: after this, a stored visitor key can no longer be tied to an address."""
    today = timezone.localdate(now or timezone.now())
    deleted, _by_model = DailySalt.objects.filter(day__lte=today.fromordinal(today.toordinal() - keep_days)).delete()
    return deleted


# --- reactions -------------------------------------------------------------------------------------
@transaction.atomic
def reaction_add(*, story_id: int, by: User, kind: str, comment: str = "") -> tuple[Reaction, bool]:
    """Like (once per person and story; a repeat returns the first) or a comment posted under the
    company's own post. Both count as engagement."""
    story = selectors.story_get_for_user(user=by, story_id=story_id)
    if kind == "comment":
        comment = text_clean(comment)
        if not comment:
            raise DomainError(_("A comment needs its text."), code="validation_error",
                              fields={"comment": [_("This field may not be blank.")]})
        return Reaction.objects.create(story=story, user=by, kind=kind, comment=comment), True
    try:
        with transaction.atomic():
            return Reaction.objects.create(story=story, user=by, kind=kind), True
    except IntegrityError:  # the unique constraint decides between racing likes
        return Reaction.objects.get(story=story, user=by, kind=kind), False


# --- drafts and review -----------------------------------------------------------------------------
@transaction.atomic
def draft_submit(
    *, author: User, title: str, text: str, language: str, photo_url: str = "", responds_to: int | None = None,
    photo: UploadedFile | None = None,
) -> StoryDraft:
    if responds_to is not None:
        selectors.story_get_for_user(user=author, story_id=responds_to)  # 404 for a story they cannot see
    stored = images.image_store(upload=photo, folder="drafts", field="photo") if photo is not None else ""
    draft = StoryDraft.objects.create(
        author=author, title=text_clean(title), text=text_clean(text), language=language,
        photo_url=photo_url, photo=stored, responds_to_id=responds_to,
    )
    events.draft_submitted(draft)
    return draft


@transaction.atomic
def draft_update(*, draft_id: int, by: User, photo: UploadedFile | None = None, remove_photo: bool = False,
                 **changes: Any) -> StoryDraft:
    """The author (only the author) revises a draft while it waits or after changes were requested;
    it waits again. A new `photo` replaces the old one; `remove_photo` drops it."""
    draft = StoryDraft.objects.select_for_update().filter(pk=draft_id, author=by).first()
    if draft is None:
        raise NotFound(_("Draft not found."))
    if draft.status not in (DraftStatus.SUBMITTED, DraftStatus.CHANGES_REQUESTED):
        raise Conflict(_("A draft that is %(status)s cannot change.") % {"status": draft.status}, code="draft_closed")
    if photo is not None:
        changes["photo"] = images.image_store(upload=photo, folder="drafts", field="photo")
    elif remove_photo:
        changes["photo"] = ""
    for name, value in changes.items():
        setattr(draft, name, text_clean(value) if name in ("title", "text") else value)
    was = draft.status
    draft.status = DraftStatus.SUBMITTED
    draft.save(update_fields=[*changes, "status", "updated_at"])
    if was == DraftStatus.CHANGES_REQUESTED:
        events.draft_submitted(draft)
    return draft


_NEXT_STATUS = {
    DraftDecision.APPROVE: DraftStatus.APPROVED,
    DraftDecision.REQUEST_CHANGES: DraftStatus.CHANGES_REQUESTED,
    DraftDecision.DECLINE: DraftStatus.DECLINED,
}


@transaction.atomic
def draft_review(*, draft_id: int, by: User, decision: str, comment: str = "") -> StoryDraft:
    """An editor decides on a waiting draft. Approving makes it a story (draft state, the employee
    credited as author) for the editor to frame and schedule. Takes the draft's row lock: two
    editors deciding at once get one decision and one 409."""
    if by.role not in (Role.EDITOR, Role.ADMIN):
        raise NotFound(_("Draft not found."))
    comment = text_clean(comment)
    if decision != DraftDecision.APPROVE and not comment:
        raise DomainError(_("Tell the author why."), code="validation_error",
                          fields={"comment": [_("Required when requesting changes or declining.")]})
    draft = StoryDraft.objects.select_for_update().filter(pk=draft_id).first()
    if draft is None:
        raise NotFound(_("Draft not found."))
    if draft.status != DraftStatus.SUBMITTED:
        raise Conflict(_("This draft is %(status)s, not waiting for review.") % {"status": draft.status}, code="already_reviewed")
    draft.status = _NEXT_STATUS[DraftDecision(decision)]
    update = ["status", "updated_at"]
    if decision == DraftDecision.APPROVE:
        draft.story = Story.objects.create(
            title=draft.title, summary=draft.text[:280], body=draft.text, language=draft.language,
            url=settings.RELAY_DRAFT_STORY_URL, image_url=draft.photo_url, image=draft.photo.name,
            author=draft.author, created_by=by,
            type="blog", state=StoryState.DRAFT,
        )
        update.append("story")
    draft.save(update_fields=update)
    DraftReview.objects.create(draft=draft, reviewer=by, decision=decision, comment=comment)
    events.draft_reviewed(draft, decision=decision, comment=comment)
    return draft
