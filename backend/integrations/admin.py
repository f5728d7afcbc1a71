from django import forms
from django.contrib import admin

from backend.integrations.models import Connection, InboundEvent, StatusMapping
from backend.listening import lifecycle


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "team", "active", "created_at"]
    list_filter = ["active", "team"]


class StatusMappingForm(forms.ModelForm):
    class Meta:
        model = StatusMapping
        fields = ["type", "kind", "to_status"]

    def clean(self) -> dict:
        data = super().clean() or {}
        kind, status = data.get("kind"), data.get("to_status")
        if kind and status and status not in lifecycle.statuses(kind):
            self.add_error("to_status", f"A {kind} has no status {status}: {', '.join(lifecycle.statuses(kind))}.")
        return data


@admin.register(StatusMapping)
class StatusMappingAdmin(admin.ModelAdmin):
    """The lifecycle map of inbound event types: which status each one moves a signal to."""

    form = StatusMappingForm
    list_display = ["type", "kind", "to_status"]


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "connection", "type", "signal_id", "external_id", "outcome", "from_status",
                    "to_status"]
    list_filter = ["outcome", "type", "connection"]
    readonly_fields = [f.name for f in InboundEvent._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
