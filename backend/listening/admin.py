from django.contrib import admin
from django.http import HttpRequest

from backend.listening.models import Correction, RoutingRule, Signal, SignalContact, SignalEvent, SlaPolicy


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["priority", "kind", "language", "keyword", "team", "active"]
    list_editable = ["active"]
    list_filter = ["kind", "language", "team", "active"]
    ordering = ["priority", "id"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """Issue 20: times to first claim and to resolution, per kind, optionally per team. Durations are
    written "1 00:00:00" (a day) or "01:00:00" (an hour); a day in working time is one working day."""

    list_display = ["kind", "urgent", "team", "claim_within", "resolve_within", "working_time"]
    list_filter = ["kind", "team", "working_time"]


class SignalEventInline(admin.TabularInline):
    model = SignalEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "type", "from_status", "to_status", "note", "visible_to_submitter")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Signal | None = None) -> bool:
        return False


class SignalContactInline(admin.StackedInline):
    model = SignalContact
    extra = 0
    can_delete = False
    readonly_fields = ["consent", "consent_wording_version", "consent_at", "purged_at"]


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    """Read-mostly: signals change state through the API's services, which keep the history."""

    list_display = ["id", "kind", "status", "urgent", "team", "in_triage", "language", "confidence", "created_at"]
    list_filter = ["kind", "status", "urgent", "in_triage", "team", "language"]
    search_fields = ["id"]
    readonly_fields = [f.name for f in Signal._meta.fields]
    inlines = [SignalContactInline, SignalEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["signal", "from_kind", "to_kind", "from_team", "to_team", "by", "created_at"]
    list_filter = ["from_kind", "to_kind"]
    readonly_fields = [f.name for f in Correction._meta.fields]
