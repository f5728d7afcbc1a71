from collections.abc import Callable

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from backend.core.errors import DomainError
from backend.people.requests import signed_in_user
from backend.sharing import services
from backend.sharing.models import (
    Campaign,
    Click,
    DraftReview,
    Guidelines,
    GuidelinesAcceptance,
    Share,
    Story,
    StoryDraft,
    StoryTarget,
)


class StoryTargetInline(admin.TabularInline):
    model = StoryTarget
    extra = 1


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    """Editors edit content and audience here. The state is not a form field: it changes only through
    the actions below, which call the same services as the API, so publishing from the admin tells
    the audience through the outbox exactly as the API's `schedule` and the beat do."""

    list_display = ["id", "title", "type", "language", "state", "publish_at", "expires_at", "campaign", "for_alumni"]
    list_filter = ["state", "type", "language", "for_alumni", "campaign"]
    search_fields = ["title", "summary"]
    # Uploads go through the API, which checks and re-encodes them (sharing.images).
    readonly_fields = ["state", "published_at", "image", "created_by", "created_at", "updated_at"]
    inlines = [StoryTargetInline]
    actions = ["publish", "archive"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Story, form: object, change: bool) -> None:
        if not change:
            obj.created_by = signed_in_user(request)
        super().save_model(request, obj, form, change)

    def _each(self, request: HttpRequest, queryset: QuerySet[Story], act: Callable[[int], object], done: str) -> None:
        """Each story in its own service call (and transaction): one refused story stops no other."""
        ok = 0
        for story_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                act(story_id)
                ok += 1
            except DomainError as error:
                self.message_user(request, f"Story {story_id}: {error.message}", messages.WARNING)
        if ok:
            self.message_user(request, f"{ok} {done}.", messages.SUCCESS)

    @admin.action(description="Publish selected stories (now, or at their publish time); the audience is told")
    def publish(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        publish_at = dict(queryset.values_list("pk", "publish_at"))
        self._each(request, queryset,
                   lambda pk: services.story_schedule(story_id=pk, publish_at=publish_at[pk]),
                   "published or scheduled")

    @admin.action(description="Archive selected stories (out of every feed)")
    def archive(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        self._each(request, queryset, lambda pk: services.story_archive(story_id=pk), "archived")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "goal", "starts_on", "ends_on", "owner", "archived_at"]
    list_filter = ["goal"]


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ["id", "story", "user", "channel", "code", "similarity", "created_at"]
    list_filter = ["channel"]
    readonly_fields = [f.name for f in Share._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Click)
class ClickAdmin(admin.ModelAdmin):
    list_display = ["id", "share", "channel", "referrer_domain", "is_bot", "at"]
    list_filter = ["channel", "is_bot"]
    readonly_fields = [f.name for f in Click._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class DraftReviewInline(admin.TabularInline):
    model = DraftReview
    extra = 0
    can_delete = False
    readonly_fields = ["reviewer", "decision", "comment", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: StoryDraft | None = None) -> bool:
        return False


@admin.register(StoryDraft)
class StoryDraftAdmin(admin.ModelAdmin):
    """Read-mostly: reviews go through the API so the author is told."""

    list_display = ["id", "title", "author", "language", "status", "created_at"]
    list_filter = ["status", "language"]
    readonly_fields = ["author", "status", "story", "photo", "created_at", "updated_at"]
    inlines = [DraftReviewInline]


@admin.register(Guidelines)
class GuidelinesAdmin(admin.ModelAdmin):
    list_display = ["version", "created_at"]


@admin.register(GuidelinesAcceptance)
class GuidelinesAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "guidelines", "accepted_at"]
    readonly_fields = ["user", "guidelines", "accepted_at"]
