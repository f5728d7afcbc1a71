from django.contrib import admin

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
    """Editors may edit content here; publishing goes through the API or the scheduled beat task,
    which notifies the audience (setting `state` here by hand notifies nobody)."""

    list_display = ["id", "title", "type", "language", "state", "publish_at", "expires_at", "campaign", "for_alumni"]
    list_filter = ["state", "type", "language", "for_alumni", "campaign"]
    search_fields = ["title", "summary"]
    readonly_fields = ["published_at", "created_at", "updated_at"]
    inlines = [StoryTargetInline]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "goal", "starts_on", "ends_on", "owner", "archived_at"]
    list_filter = ["goal"]


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ["id", "story", "user", "channel", "code", "similarity", "created_at"]
    list_filter = ["channel"]
    readonly_fields = [f.name for f in Share._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Click)
class ClickAdmin(admin.ModelAdmin):
    list_display = ["id", "share", "channel", "referrer_domain", "is_bot", "at"]
    list_filter = ["channel", "is_bot"]
    readonly_fields = [f.name for f in Click._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


class DraftReviewInline(admin.TabularInline):
    model = DraftReview
    extra = 0
    can_delete = False
    readonly_fields = ["reviewer", "decision", "comment", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(StoryDraft)
class StoryDraftAdmin(admin.ModelAdmin):
    """Read-mostly: reviews go through the API so the author is told."""

    list_display = ["id", "title", "author", "language", "status", "created_at"]
    list_filter = ["status", "language"]
    readonly_fields = ["author", "status", "story", "created_at", "updated_at"]
    inlines = [DraftReviewInline]


@admin.register(Guidelines)
class GuidelinesAdmin(admin.ModelAdmin):
    list_display = ["version", "created_at"]


@admin.register(GuidelinesAcceptance)
class GuidelinesAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "guidelines", "accepted_at"]
    readonly_fields = ["user", "guidelines", "accepted_at"]
