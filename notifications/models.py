"""Devices, the notification outbox (which is also the in-app inbox), preferences, websocket tickets.

A `Notification` row is written in the same transaction as the event that causes it. Delivery
(push through FCM) happens after commit, by a Celery task that moves the row from pending to
sent, failed or not_pushed. Nothing is dropped: a row that could not be pushed stays in the inbox.
"""
from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q


class Platform(models.TextChoices):
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"
    WEB = "web", "Web"


class Device(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    token = models.CharField(max_length=4096, unique=True, help_text="FCM registration token")
    installation_id = models.CharField(max_length=200, blank=True, help_text="Firebase installation id")
    platform = models.CharField(max_length=8, choices=Platform.choices)
    app_version = models.CharField(max_length=40, blank=True)
    locale = models.CharField(max_length=20, blank=True)
    active = models.BooleanField(default=True)
    deactivated_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["user", "active"], name="device_user_active_idx")]

    def __str__(self) -> str:
        return f"{self.platform} device {self.pk} of user {self.user_id}"  # never the token: it is a credential


class Category(models.TextChoices):
    NEW_STORIES = "new_stories", "New stories"
    QUEUE = "queue", "Leads and queue alerts"
    MY_SIGNALS = "my_signals", "Status of my signals"
    DRAFTS = "drafts", "Drafts"


class PushState(models.TextChoices):
    PENDING = "pending", "Waiting to be pushed"
    SENDING = "sending", "Being pushed"
    SENT = "sent", "Pushed"
    FAILED = "failed", "Push failed"
    NOT_PUSHED = "not_pushed", "Not pushed (no push provider or no device)"
    SUPPRESSED = "suppressed", "Not pushed (preferences or daily cap)"


class Priority(models.TextChoices):
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    type = models.CharField(max_length=40, help_text="dotted event type, e.g. signal.routed")
    category = models.CharField(max_length=16, choices=Category.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # Issue 16.6 / 15.4: what the inbox shows may name the signal (kind, a contact-free excerpt, a
    # note), but the push travels through Google and the websocket announcement leaves the database
    # too: those carry only `title` and `body`. Blank means the inbox shows `title` / `body`.
    inbox_title = models.CharField(max_length=200, blank=True)
    inbox_body = models.TextField(blank=True)
    # What the app deep-links to: {"type": "signal", "id": "42"}. Values are strings (FCM data payload).
    data = models.JSONField(default=dict)
    collapse_key = models.CharField(max_length=100, blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    # Silent ones are data-only pushes (e.g. "drop this lead, a colleague took it"): not in the inbox.
    silent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    push_state = models.CharField(max_length=12, choices=PushState.choices, default=PushState.PENDING)
    push_after = models.DateTimeField(null=True, blank=True, help_text="quiet hours or retry back-off")
    lease_until = models.DateTimeField(null=True, blank=True, help_text="a worker is sending until then")
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_to = models.JSONField(default=list, blank=True, help_text="device ids already pushed to")
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notif_inbox_idx"),
            models.Index(fields=["push_state", "push_after"], name="notif_outbox_idx",
                         condition=Q(push_state__in=["pending", "sending"])),
        ]

    def __str__(self) -> str:
        return f"{self.type} to user {self.user_id} ({self.push_state})"


class Preference(models.Model):
    """Push on/off per person and category. A missing row means on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_preferences")
    category = models.CharField(max_length=16, choices=Category.choices)
    push = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "category"], name="uniq_pref_user_category")]

    def __str__(self) -> str:
        return f"{self.category} push {'on' if self.push else 'off'} for user {self.user_id}"


class QuietHours(models.Model):
    """Non-urgent pushes wait until the end of quiet hours, in the person's own time zone."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours")
    enabled = models.BooleanField(default=True)
    start = models.TimeField(default=time(21, 0))
    end = models.TimeField(default=time(7, 30))
    daily_story_cap = models.PositiveSmallIntegerField(default=3, help_text="story pushes per day at most")

    def __str__(self) -> str:
        return f"quiet hours of user {self.user_id}: {self.start:%H:%M}-{self.end:%H:%M}"


class WsTicket(models.Model):
    """A short-lived, single-use ticket for browsers, which cannot set headers on a websocket."""

    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"websocket ticket of user {self.user_id}"


class LiveState(models.TextChoices):
    PENDING = "pending", "Waiting to be published"
    PUBLISHED = "published", "Published to the channel layer"
    EXPIRED = "expired", "Too old to matter: not published (the app re-reads state on reconnect)"


class LiveEvent(models.Model):
    """A websocket event in the outbox: written in the event's transaction, published to the channel
    layer by the delivery task after commit, in pk order."""

    group = models.CharField(max_length=100, help_text="from notifications.live: user_group, team_queue_group")
    type = models.CharField(max_length=40, help_text="dotted event type, e.g. signal.routed")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=LiveState.choices, default=LiveState.PENDING)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="live_pending_idx", condition=Q(state="pending")),
            models.Index(fields=["created_at"], name="live_done_idx", condition=~Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.type} to {self.group} ({self.state})"


# --- webhooks (issue 18): subscriptions and their deliveries, a third kind of outbox row -------------
class WebhookSubscription(models.Model):
    """A team's HTTPS endpoint for Relay's events, signed per the Standard Webhooks specification.

    `previous_secret` is still signed with until `previous_secret_until`, so a receiver can switch
    secrets without losing an event (both signatures travel in `webhook-signature`)."""

    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.URLField(max_length=500, help_text="https only (http is allowed when DEBUG is on)")
    secret = models.CharField(max_length=100, help_text="whsec_… (base64); shown once to the receiver's owner")
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    events = models.JSONField(default=list, help_text="event names wanted, e.g. [\"signal.routed\"]")
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # The first failure of an unbroken run of failures; cleared by a success. Three days of it disable.
    failing_since = models.DateTimeField(null=True, blank=True)
    # The last sequence number handed out; incremented under the row lock in the event's transaction.
    last_sequence = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"webhook {self.pk} of team {self.team_id}"  # never the secret


class WebhookState(models.TextChoices):
    PENDING = "pending", "Waiting to be delivered"
    SENDING = "sending", "Being delivered"
    DELIVERED = "delivered", "Delivered (2xx)"
    FAILED = "failed", "Gave up (24 hours of failures, 410, or refused target)"


class WebhookDelivery(models.Model):
    """One event for one subscription. `msg_id` is the `webhook-id` of every attempt, so the receiver
    deduplicates; `sequence` orders the subscription's events, and one `ordering_key` (a signal) is
    delivered strictly in sequence order."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    type = models.CharField(max_length=40, help_text="event name, e.g. signal.transitioned")
    msg_id = models.CharField(max_length=40, unique=True)
    sequence = models.PositiveBigIntegerField()
    ordering_key = models.CharField(max_length=60, help_text="e.g. signal:42; one key is delivered in order")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    state = models.CharField(max_length=10, choices=WebhookState.choices, default=WebhookState.PENDING)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="retry back-off")
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["subscription", "ordering_key", "sequence"], name="webhook_order_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="webhook_outbox_idx",
                         condition=Q(state__in=["pending", "sending"])),
            models.Index(fields=["subscription", "-created_at"], name="webhook_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.sequence} to webhook {self.subscription_id} ({self.state})"


# --- e-mail (issue 20): a fourth kind of outbox row ---------------------------------------------------
class EmailKind(models.TextChoices):
    ESCALATION = "escalation", "Escalation to a team lead"
    DIGEST = "digest", "Weekly digest"
    DAILY_SUMMARY = "daily_summary", "Daily summary for team leads"


class EmailState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Accepted by the mail server"
    FAILED = "failed", "Gave up (refused recipient, or the retry window is over)"
    SUPPRESSED = "suppressed", "Not sent (switched off, or no address)"


class EmailMessage(models.Model):
    """One e-mail to one person, rendered in their language when it is written (in the event's
    transaction), sent by the one delivery task after commit. `dedup_key` is unique: the same mail
    (one escalation, one ISO week's digest, one day's summary) is never written twice, and it is the
    Message-ID of every attempt, so a copy re-sent after a crash is recognisable as the same mail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_messages")
    kind = models.CharField(max_length=16, choices=EmailKind.choices)
    dedup_key = models.CharField(max_length=120, unique=True)
    language = models.CharField(max_length=2)
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField()
    # Extra headers decided at render time (List-Unsubscribe on optional mail); never an address.
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.PENDING)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="retry back-off")
    lease_until = models.DateTimeField(null=True, blank=True, help_text="a worker is sending until then")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="email_outbox_idx",
                         condition=Q(state__in=["pending", "sending"])),
            models.Index(fields=["user", "kind", "-created_at"], name="email_user_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} e-mail to user {self.user_id} ({self.state})"  # never the address


class EmailPreference(models.Model):
    """E-mail on/off per person and kind. A missing row means on (as for push preferences)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference")
    digest = models.BooleanField(default=True, help_text="the weekly digest (employees)")
    daily_summary = models.BooleanField(default=True, help_text="the daily summary (team leads)")
    escalations = models.BooleanField(default=True, help_text="overdue signals of my team (team leads)")

    def __str__(self) -> str:
        return f"e-mail preferences of user {self.user_id}"
