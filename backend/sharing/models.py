"""Stories, their audiences and campaigns; shares with tracked short links and their clicks;
reactions; employee drafts and their review; the social-media guidelines people accept.

Audience targeting is data (`StoryTarget` rows, one per dimension and value) so that the feed can
decide "is this story for me" inside one SQL query on every database: a dimension without rows
means "everyone"; a dimension with rows means "only people who match one of them".
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.people.models import SocialChannel


class StoryType(models.TextChoices):
    NEWS = "news", _("News")
    BLOG = "blog", _("Blog")
    VACANCY = "vacancy", _("Vacancy")
    EVENT = "event", _("Event")
    PRODUCT = "product", _("Product")
    POSITION = "position", _("Position statement")


class StoryState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    EXPIRED = "expired", _("Expired")
    ARCHIVED = "archived", _("Archived")


class CampaignGoal(models.TextChoices):
    REACH = "reach", _("Reach")
    TRAFFIC = "traffic", _("Traffic")
    LEADS = "leads", _("Leads")
    RECRUITMENT = "recruitment", _("Recruitment")
    BRAND = "brand", _("Brand")


# The KPI names a campaign may set targets for; insights computes the actual figure of each.
# leads, won_leads: signals of kind lead from the campaign's stories, and those the CRM reported won (issue 18).
KPI_NAMES = ("shares", "clicks", "unique_visitors", "reach", "reactions", "signals", "leads", "won_leads")


class Campaign(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, help_text="utm_campaign of the tracked links")
    goal = models.CharField(max_length=16, choices=CampaignGoal.choices)
    description = models.TextField(blank=True)
    # {"shares": 200, "clicks": 3000}: a few realistic targets, names from KPI_NAMES.
    kpi_targets = models.JSONField(default=dict, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns")
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class Story(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories")
    type = models.CharField(max_length=16, choices=StoryType.choices, default=StoryType.NEWS)
    language = models.CharField(max_length=2, help_text="language of the main version")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    url = models.URLField(max_length=500, help_text="canonical URL the tracked links redirect to")
    image_url = models.URLField(max_length=500, blank=True, help_text="an image elsewhere (kept beside uploads)")
    image = models.ImageField(upload_to="stories/", max_length=200, blank=True,
                              help_text="an uploaded image (validated and re-encoded by sharing.images)")
    # Other language versions: {"da": {"title": ..., "summary": ..., "body": ..., "talking_points": [...]}}
    versions = models.JSONField(default=dict, blank=True)
    talking_points = models.JSONField(default=list, blank=True, help_text="for conversations offline")
    # [{"channel": "linkedin", "language": "nl", "text": "..."}]: starting points, never the share itself.
    suggested_texts = models.JSONField(default=list, blank=True)
    suggested_comments = models.JSONField(default=list, blank=True, help_text="to post under the company's post")
    hashtags = models.JSONField(default=list, blank=True)

    for_alumni = models.BooleanField(default=False, help_text="alumni see only stories flagged for them")
    state = models.CharField(max_length=12, choices=StoryState.choices, default=StoryState.DRAFT)
    publish_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="authored_stories",
        help_text="the employee credited when the story came from their draft",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_stories"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "stories"
        indexes = [
            models.Index(fields=["state", "publish_at"], name="story_state_publish_idx"),
            models.Index(fields=["state", "expires_at"], name="story_state_expires_idx"),
            models.Index(fields=["state", "-published_at", "-id"], name="story_feed_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def version_in(self, language: str) -> dict[str, Any]:
        """The reader's language version ({"title", "summary", ...}) when there is one, else {}:
        the caller falls back to the main version field by field."""
        if language == self.language or not isinstance(self.versions, dict):
            return {}
        version = self.versions.get(language)
        return version if isinstance(version, dict) else {}


class Dimension(models.TextChoices):
    TEAM = "team", "Team"
    ROLE = "role", "Role"
    INTEREST = "interest", "Interest"
    LANGUAGE = "language", "Language"
    LOCATION = "location", "Location"


class StoryTarget(models.Model):
    """One audience value of a story: (team, "12"), (interest, "mortgages"), (language, "da"), ..."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="targets")
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    value = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "dimension", "value"], name="uniq_story_target"),
        ]
        indexes = [models.Index(fields=["dimension", "value", "story"], name="story_target_value_idx")]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value}"


class Share(models.Model):
    """One employee's share of one story on one channel, in their own words; its code is the short link."""

    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shares")
    channel = models.CharField(max_length=16, choices=SocialChannel.choices)
    message = models.TextField()
    message_normalised = models.TextField(help_text="what near-duplicate detection compares")
    code = models.CharField(max_length=16, unique=True)
    # Snapshot of the sharer's network size on the channel: the reach estimate stays what it was.
    network_size = models.PositiveIntegerField(default=0)
    similar_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    similarity = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["story", "-id"], name="share_story_idx"),
            models.Index(fields=["user", "story"], name="share_user_story_idx"),
        ]

    def __str__(self) -> str:
        return f"share {self.code}"


class Click(models.Model):
    """One visit through a tracked link. No IP address: only a hash with a salt that changes daily."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="clicks")
    channel = models.CharField(max_length=16)
    referrer_domain = models.CharField(max_length=120, blank=True)
    visitor_key = models.CharField(max_length=32, help_text="sha256(daily salt, address, user agent), truncated")
    is_bot = models.BooleanField(default=False, help_text="a link-preview fetcher: not a visit")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["share", "is_bot"], name="click_share_idx")]

    def __str__(self) -> str:
        return f"click on share {self.share_id} at {self.at:%Y-%m-%d %H:%M}"


class DailySalt(models.Model):
    """The salt of one day's visitor keys. Deleted after two days, so old keys cannot be re-derived."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"salt of {self.day}"


class ReactionKind(models.TextChoices):
    LIKE = "like", "Like"
    COMMENT = "comment", "Comment"


class Reaction(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_reactions")
    kind = models.CharField(max_length=8, choices=ReactionKind.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["story", "user"], condition=Q(kind="like"), name="uniq_story_like_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on story {self.story_id}"


class DraftStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class StoryDraft(models.Model):
    """A story an employee wrote (level 2), framed and edited by marketing before it is published."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_drafts")
    title = models.CharField(max_length=200)
    text = models.TextField()
    photo_url = models.URLField(max_length=500, blank=True)
    photo = models.ImageField(upload_to="drafts/", max_length=200, blank=True)
    language = models.CharField(max_length=2)
    responds_to = models.ForeignKey(Story, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=DraftStatus.choices, default=DraftStatus.SUBMITTED)
    story = models.OneToOneField(
        Story, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_draft",
        help_text="the story it became when approved",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["author", "-id"], name="draft_author_idx"),
            models.Index(fields=["status", "-id"], name="draft_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class DraftDecision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REQUEST_CHANGES = "request_changes", "Request changes"
    DECLINE = "decline", "Decline"


class DraftReview(models.Model):
    draft = models.ForeignKey(StoryDraft, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    decision = models.CharField(max_length=16, choices=DraftDecision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.decision} of draft {self.draft_id}"


class Guidelines(models.Model):
    """A version of the organisation's social-media guidelines; the newest one is in force."""

    version = models.CharField(max_length=20, unique=True)
    text = models.TextField()
    # The same guidelines in other languages, {"nl": "...", "da": "..."}; `text` is the fallback.
    translations = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "guidelines"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.version


class GuidelinesAcceptance(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guideline_acceptances")
    guidelines = models.ForeignKey(Guidelines, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "guidelines"], name="uniq_guidelines_acceptance")]

    def __str__(self) -> str:
        return f"user {self.user_id} accepted guidelines {self.guidelines_id}"
