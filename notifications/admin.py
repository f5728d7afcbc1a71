from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from backend.core.errors import DomainError
from backend.people.requests import signed_in_user
from notifications.models import (
    Device,
    EmailMessage,
    EmailPreference,
    Notification,
    WebhookDelivery,
    WebhookState,
    WebhookSubscription,
)
from notifications.services import webhook_delivery_resend, webhook_secret_new, webhook_url_validate
from notifications.webhooks import EVENTS


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "platform", "app_version", "active", "last_seen_at"]
    list_filter = ["platform", "active"]
    search_fields = ["user__email"]
    readonly_fields = ["token"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "category", "push_state", "attempts", "created_at", "read_at"]
    list_filter = ["push_state", "category", "type"]
    search_fields = ["user__email"]


# --- webhooks (issue 18) ------------------------------------------------------------------------------
class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https", help_text="https only (http when DEBUG is on)")
    events = forms.MultipleChoiceField(choices=[(e, e) for e in EVENTS], widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookSubscription
        fields = ["team", "url", "events", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            webhook_url_validate(url)
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """The secret is made here, never typed; rotate it from the console (the old one signs for a day)."""

    form = WebhookSubscriptionForm
    list_display = ["team", "url", "active", "failing_since", "disabled_reason", "created_at"]
    list_filter = ["active", "team"]
    readonly_fields = ["secret", "failing_since", "disabled_reason", "last_sequence"]

    def save_model(self, request: HttpRequest, obj: WebhookSubscription, form: forms.ModelForm, change: bool) -> None:
        if not obj.secret:
            obj.secret = webhook_secret_new()
        if obj.active:
            obj.failing_since, obj.disabled_reason = None, ""
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subscription", "type", "sequence", "state", "response_code", "latency_ms",
                    "attempts"]
    list_filter = ["state", "type"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Re-send the selected failed deliveries")
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        user = signed_in_user(request)
        sent = 0
        for row in queryset.filter(state=WebhookState.FAILED):
            try:
                webhook_delivery_resend(by=user, delivery_id=row.pk)
                sent += 1
            except DomainError as error:
                self.message_user(request, f"#{row.pk}: {error.message}", level="warning")
        self.message_user(request, f"{sent} re-sent.")


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin):
    """What the e-mail outbox holds: an operator sees what waits, what failed and why (issue 20)."""

    list_display = ["created_at", "user", "kind", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["state", "kind"]
    readonly_fields = [f.name for f in EmailMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "digest", "daily_summary", "escalations"]
