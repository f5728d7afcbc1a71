"""Connections through which a team's CRM, ATS or ticket system reports what became of a signal
(issue 18), the map from their event types to the lifecycle, and every event received.

Outbound webhooks (subscriptions, deliveries) are rows of the notifications outbox
(`notifications.models.WebhookSubscription`); this app is the way back in.
"""
from __future__ import annotations

from django.db import models

from backend.listening.models import Kind
from backend.people.models import Team

EVENT_TYPES = (
    "lead.qualified", "lead.won", "lead.lost",
    "referral.interviewing", "referral.hired", "referral.rejected",
    "complaint.resolved", "friend_discount.approved", "friend_discount.declined",
)


class Connection(models.Model):
    """One external system of one team. Its events are signed with its own secret (Standard Webhooks)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="integration_connections")
    name = models.CharField(max_length=80, help_text="e.g. HubSpot (sales)")
    key = models.SlugField(max_length=60, unique=True, help_text="the {connection_key} in the events URL")
    secret = models.CharField(max_length=100, help_text="whsec_… (base64), shared with the external system")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"  # never the secret


class StatusMapping(models.Model):
    """Which lifecycle status an inbound event type moves a signal to. Edited in the admin."""

    type = models.CharField(max_length=40, unique=True, choices=[(t, t) for t in EVENT_TYPES])
    kind = models.CharField(max_length=16, choices=Kind.choices)
    to_status = models.CharField(max_length=16)

    class Meta:
        ordering = ["type"]

    def __str__(self) -> str:
        return f"{self.type} → {self.kind} {self.to_status}"


class Outcome(models.TextChoices):
    APPLIED = "applied", "Applied"
    OUT_OF_ORDER = "out_of_order", "Refused: late (the signal is already there or beyond)"


class InboundEvent(models.Model):
    """Every accepted event, once per `webhook-id` and connection: a replay answers what the first did."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="events")
    webhook_id = models.CharField(max_length=100)
    type = models.CharField(max_length=40)
    signal_id = models.PositiveBigIntegerField()
    external_id = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "webhook_id"], name="uniq_inbound_webhook_id")]
        indexes = [models.Index(fields=["signal_id", "received_at"], name="inbound_signal_idx")]

    def __str__(self) -> str:
        return f"{self.type} for signal {self.signal_id} ({self.outcome})"
