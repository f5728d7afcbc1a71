"""Signals that employees pass on, how they were routed, and everything that happened to them.

A signal's contact details live in their own row (`SignalContact`) so that the retention purge
can blank them while the signal and its figures remain.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.people.models import Team


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    LEAD = "lead", _("Lead")
    REFERRAL = "referral", _("Job referral")
    FRIEND_DISCOUNT = "friend_discount", _("Friends & family discount")
    FEEDBACK = "feedback", _("Feedback")


class HeardVia(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    SOCIAL_MEDIA = "social_media", _("Social media")
    PHONE = "phone", _("Phone")
    OTHER = "other", _("Other")


class Signal(models.Model):
    submitter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signals")
    # The app makes one UUID per submission; a retry with the same key returns the first signal.
    idempotency_key = models.UUIDField(null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)

    text = models.TextField()
    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    kind_chosen = models.CharField(max_length=16, choices=Kind.choices, blank=True)
    kind_predicted = models.CharField(max_length=16, choices=Kind.choices)
    language = models.CharField(max_length=2)
    urgent = models.BooleanField(default=False)
    urgent_predicted = models.BooleanField(default=False, help_text="What nlp said, kept for re-routes.")
    confidence = models.FloatField()
    scores = models.JSONField(default=dict)
    topics = models.JSONField(default=list, blank=True)
    model_version = models.CharField(max_length=80)

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="signals", null=True)
    in_triage = models.BooleanField(default=False, db_index=True)
    routing_reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, default="new", db_index=True)
    outcome = models.TextField(blank=True, help_text="Won/lost reason, resolution, discount code, ...")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_signals"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    first_action_at = models.DateTimeField(null=True, blank=True)
    # Service-level deadlines (issue 20, listening/sla.py), set when the signal is routed: claimed by
    # `claim_due_at`, resolved by `due_at`; at the `*_escalate_at` moments (twice the time) the team
    # lead is told. Empty: the kind's policy sets no such time.
    claim_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claim_escalate_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text="Resolution due.")
    resolve_escalate_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    heard_via = models.CharField(max_length=16, choices=HeardVia.choices, default=HeardVia.OTHER)
    captured_at = models.DateTimeField()
    # The story whose share led to this signal; an id for now, a foreign key once sharing exists.
    story_ref = models.PositiveBigIntegerField(null=True, blank=True)
    # Ids the handling team's CRM/ATS gave it, per integration connection: {"hubspot-sales": "deal-981"} (issue 18).
    external_refs = models.JSONField(default=dict, blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates")

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submitter", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="uniq_signal_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status", "-urgent", "due_at", "created_at"], name="signal_queue_idx"),
            models.Index(fields=["submitter", "-created_at"], name="signal_mine_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class SignalContact(models.Model):
    """The person a signal is about. Phone and e-mail only with their recorded consent."""

    signal = models.OneToOneField(Signal, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=20, blank=True, db_index=True, help_text="E.164")
    email = models.EmailField(blank=True, db_index=True)
    language = models.CharField(max_length=2, blank=True)
    best_time = models.CharField(max_length=80, blank=True)
    consent = models.BooleanField(default=False)
    consent_wording_version = models.CharField(max_length=20, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(consent=True) | (Q(phone="") & Q(email="")),
                name="contact_details_need_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"contact of signal {self.signal_id}"  # never the details themselves: this ends up in logs


class EventType(models.TextChoices):
    CREATED = "created", _("Created")
    ROUTED = "routed", _("Routed")
    CLAIMED = "claimed", _("Claimed")
    TRANSITION = "transition", _("Status changed")
    NOTE = "note", _("Note")
    REROUTED = "rerouted", _("Re-routed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DUPLICATE = "duplicate", _("Linked as possible duplicate")
    PURGED = "purged", _("Contact details purged")
    CONTACT_ADDED = "contact_added", _("Contact added by the submitter")
    # Issue 20's escalation steps; /metrics counts SLA breaches from the `sla_` prefix.
    SLA_REMINDED = "sla_reminded", _("Team reminded: past its service-level time")
    SLA_ESCALATED = "sla_escalated", _("Team lead told: twice its service-level time")
    SLA_TRIAGED = "sla_triaged", _("Urgent and unclaimed: sent to triage too")
    RETURNED = "returned", _("Returned to the queue")


class SignalEvent(models.Model):
    """The full history of a signal: who did what, when, from which status to which."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    type = models.CharField(max_length=16, choices=EventType.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    visible_to_submitter = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["signal", "created_at"], name="signal_event_idx")]

    def __str__(self) -> str:
        return f"{self.type} on signal {self.signal_id}"


class RoutingRule(models.Model):
    """Kind → team, with optional narrowing by language or by a keyword/product in the text.

    Rules are tried by ascending priority; the first active match wins. A signal no rule
    matches goes to the triage queue.
    """

    priority = models.PositiveIntegerField(default=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    language = models.CharField(max_length=2, blank=True, help_text="Empty: any language.")
    keyword = models.CharField(
        max_length=80, blank=True, help_text="Empty: any text. Matches a product topic or a word in the text."
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="routing_rules")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        extra = " ".join(x for x in (self.language, self.keyword) if x)
        return f"{self.kind}{' ' + extra if extra else ''} → {self.team}"


class Correction(models.Model):
    """A human re-route: what the classifier or the first team got wrong, for the next training run."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="corrections")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    from_kind = models.CharField(max_length=16, choices=Kind.choices)
    to_kind = models.CharField(max_length=16, choices=Kind.choices)
    from_team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    to_team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    model_version = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return f"signal {self.signal_id}: {self.from_kind} -> {self.to_kind}"


class SlaPolicy(models.Model):
    """How soon a kind of signal must be claimed and resolved (issue 20), edited in the admin.

    One default row per kind (team empty; for complaints also one for urgent ones), and optionally
    a team's own row, which wins. Durations count working time (a day is one working day) unless
    `working_time` is off. A changed policy applies to signals routed afterwards.
    """

    kind = models.CharField(max_length=16, choices=Kind.choices)
    urgent = models.BooleanField(default=False, help_text="Complaints only: the policy for urgent ones.")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="sla_policies",
                             help_text="Empty: the default for every team.")
    claim_within = models.DurationField(null=True, blank=True, help_text="Time to first claim; empty: none.")
    resolve_within = models.DurationField(null=True, blank=True, help_text="Time to resolution; empty: none.")
    working_time = models.BooleanField(
        default=True, help_text="Count working hours and days of the team's country (off: wall-clock time).")

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        ordering = ["kind", "-urgent", "team_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "urgent", "team"], name="uniq_sla_policy_team"),
            models.UniqueConstraint(fields=["kind", "urgent"], condition=Q(team__isnull=True),
                                    name="uniq_sla_policy_default"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}{' (urgent)' if self.urgent else ''} · {self.team or 'default'}"


class SlaStep(models.TextChoices):
    CLAIM_REMINDED = "claim_reminded", "Claim: team reminded"
    CLAIM_ESCALATED = "claim_escalated", "Claim: team lead told"
    TRIAGED = "triaged", "Claim: urgent, triage told"
    RESOLVE_REMINDED = "resolve_reminded", "Resolution: team reminded"
    RESOLVE_ESCALATED = "resolve_escalated", "Resolution: team lead told"


class SignalSlaStep(models.Model):
    """An escalation step that fired, once per signal: written in the same transaction as its
    history event and notifications, and the unique constraint refuses a second one."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="sla_steps")
    step = models.CharField(max_length=20, choices=SlaStep.choices)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["signal", "step"], name="uniq_signal_sla_step")]

    def __str__(self) -> str:
        return f"{self.step} on signal {self.signal_id}"
