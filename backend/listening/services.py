"""Write operations of the listening loop: capture, route, claim, act, re-route, withdraw, purge.

Every function is keyword-only and transactional. The ones that decide who may do what take
the row lock (`select_for_update`) or use a conditional `UPDATE`, never check-then-act.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

import nlp
from backend.core.errors import Conflict, DomainError, NotFound
from backend.core.request_context import logs_signal, signal_id_var
from backend.core.text import text_clean
from backend.listening import events, lifecycle, routing, sla
from backend.listening.models import (
    Correction,
    EventType,
    Kind,
    Signal,
    SignalContact,
    SignalEvent,
    SignalSlaStep,
    SlaStep,
)
from backend.listening.selectors import can_work_on, is_team_lead, signal_get_for_user
from backend.people.models import Membership, Role, Team, User

logger = logging.getLogger(__name__)

_REGION_BY_LANGUAGE = {"nl": "NL", "da": "DK"}


@dataclass
class SubmitResult:
    signal: Signal
    created: bool
    suggested_contact: dict[str, Any] = field(default_factory=dict)


def _fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _validate_contact(
    *, contact: dict[str, Any] | None, consent: bool, submitter_language: str
) -> dict[str, Any] | None:
    if not contact:
        return None
    errors: dict[str, list[str]] = {}
    phone = (contact.get("phone") or "").strip()
    email = (contact.get("email") or "").strip().lower()
    normalized_phone = ""
    if phone:
        region = _REGION_BY_LANGUAGE.get(contact.get("language") or submitter_language)
        normalized_phone = nlp.normalize_phone(phone, region) or ""
        if not normalized_phone:
            errors["phone"] = ["Not a valid phone number. Use e.g. 06 12345678, +31 6 12345678 or +45 20 12 34 56."]
    if (phone or email) and not consent:
        raise DomainError(
            _("Contact details can only be stored when the person agreed to be contacted."),
            code="consent_required",
            fields={"contact_consent": [_("Must be true when the contact has a phone number or e-mail address.")]},
        )
    if errors:
        raise DomainError(_("Some fields are not valid."), code="validation_error", fields={"contact": errors})
    return {
        "name": (contact.get("name") or "").strip(),
        "phone": normalized_phone,
        "email": email,
        "language": contact.get("language") or "",
        "best_time": (contact.get("best_time") or "").strip(),
    }


def _routing_language(language: str) -> str:
    """Norwegian and Swedish are recognised, not supported: routed as the organisation's fallback
    language, while the signal keeps the language it was written in."""
    return settings.RELAY_NLP_FALLBACK_LANGUAGE if language in nlp.RECOGNISED_LANGUAGES else language


def _suggested_contact(classification: nlp.Classification, contact: dict[str, Any] | None) -> dict[str, Any]:
    known_phone = (contact or {}).get("phone")
    known_email = (contact or {}).get("email")
    phones = [p for p in classification.phones if p != known_phone]
    emails = [e for e in classification.emails if e != known_email]
    suggestion: dict[str, Any] = {}
    if phones:
        suggestion["phone"] = phones[0]
    if emails:
        suggestion["email"] = emails[0]
    return suggestion


def _replay(existing: Signal, fingerprint: str) -> SubmitResult:
    if existing.request_fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used for a different submission."),
            code="idempotency_key_reused",
        )
    return SubmitResult(signal=existing, created=False)


def _duplicate_root(*, kind: str, phone: str, email: str, now: datetime) -> Signal | None:
    if not phone and not email:
        return None
    since = now - timedelta(days=settings.RELAY_DUPLICATE_WINDOW_DAYS)
    match = SignalContact.objects.filter(signal__kind=kind, signal__created_at__gte=since, purged_at__isnull=True)
    if phone and email:
        match = match.filter(Q(phone=phone) | Q(email=email))
    elif phone:
        match = match.filter(phone=phone)
    else:
        match = match.filter(email=email)
    first = match.select_related("signal").order_by("signal__created_at", "signal_id").first()
    if first is None:
        return None
    return first.signal.duplicate_of or first.signal


def signal_submit(
    *,
    submitter: User,
    text: str,
    kind: str | None = None,
    contact: dict[str, Any] | None = None,
    contact_consent: bool = False,
    consent_wording_version: str | None = None,
    heard_via: str = "other",
    captured_at: datetime | None = None,
    story: int | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> SubmitResult:
    """Capture a signal, classify it with nlp, route it, and record its history.

    A retry with the same idempotency key returns the first signal and creates nothing, also when
    the retries race each other: the unique constraint decides, and the later one replays the first.
    """
    now = timezone.now()
    text = text_clean(text)
    if len(text) < settings.RELAY_SIGNAL_TEXT_MIN:
        raise DomainError(_("Please write a few words."), code="validation_error",
                          fields={"text": [_("At least %(count)d characters.") % {"count": settings.RELAY_SIGNAL_TEXT_MIN}]})
    fingerprint = _fingerprint({
        "text": text, "kind": kind or "", "contact": contact or {}, "contact_consent": bool(contact_consent),
        "heard_via": heard_via, "captured_at": captured_at.isoformat() if captured_at else "", "story": story,
    })
    # No look-up of the key first: the unique constraint on (submitter, key) decides, below. A retry
    # costs one classification and a rolled-back insert; every first submission saves a query.
    submitter_language = getattr(getattr(submitter, "profile", None), "language", "en")
    clean_contact = _validate_contact(contact=contact, consent=contact_consent, submitter_language=submitter_language)
    has_details = bool(clean_contact and (clean_contact["phone"] or clean_contact["email"]))

    # Classification is CPU work: done before the transaction so no lock is held while it runs.
    verdict = nlp.classify(text)
    suggested = _suggested_contact(verdict, clean_contact)
    # Contact details found in the text are offered back to the app, not stored without consent.
    stored_text = text if contact_consent else nlp.redact(text)

    decision = routing.route(
        text=text, chosen=kind, predicted=verdict.kind, confidence=verdict.confidence,
        scores=verdict.scores, language=_routing_language(verdict.language), topics=verdict.topics,
    )
    urgent = decision.kind == Kind.COMPLAINT and verdict.urgent
    deadlines = sla.signal_deadlines(kind=decision.kind, urgent=urgent, team=decision.team, start=now)
    try:
        with transaction.atomic():
            signal = Signal.objects.create(
                submitter=submitter,
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint,
                text=stored_text,
                kind=decision.kind,
                kind_chosen=kind or "",
                kind_predicted=verdict.kind,
                language=verdict.language,
                urgent=urgent,
                urgent_predicted=verdict.urgent,
                confidence=verdict.confidence,
                scores=verdict.scores,
                topics=verdict.topics,
                model_version=verdict.model_version,
                team=decision.team,
                in_triage=decision.in_triage,
                routing_reason=decision.reason,
                heard_via=heard_via,
                captured_at=captured_at or now,
                story_ref=story,
                **asdict(deadlines),
            )
            if clean_contact:
                SignalContact.objects.create(
                    signal=signal,
                    consent=bool(contact_consent) and has_details,
                    consent_wording_version=(consent_wording_version or settings.RELAY_CONSENT_WORDING_VERSION)
                    if has_details else "",
                    consent_at=(captured_at or now) if has_details else None,
                    **clean_contact,
                )
                root = _duplicate_root(kind=decision.kind, phone=clean_contact["phone"],
                                       email=clean_contact["email"], now=now)
                if root is not None and root.pk != signal.pk:
                    Signal.objects.filter(pk=signal.pk).update(duplicate_of=root)
                    signal.duplicate_of = root
                    SignalEvent.objects.create(signal=signal, type=EventType.DUPLICATE, data={"duplicate_of": root.pk})
            SignalEvent.objects.bulk_create([
                SignalEvent(signal=signal, actor=submitter, type=EventType.CREATED, to_status="new"),
                SignalEvent(
                    signal=signal, type=EventType.ROUTED, to_status="new",
                    data={"team": decision.team.pk if decision.team else None, "in_triage": decision.in_triage,
                          "reason": decision.reason},
                ),
            ])
            events.signal_routed(signal)
    except IntegrityError:
        existing = (Signal.objects.filter(submitter=submitter, idempotency_key=idempotency_key).first()
                    if idempotency_key is not None else None)
        if existing is None:
            raise  # not the key's constraint
        # A retry (or a concurrent twin) with the same key was first; answer with its signal.
        return _replay(existing, fingerprint)
    # The rest of this request (or task) is about this signal: its log lines say so (the request's
    # middleware, or Celery before the next task, clears it).
    signal_id_var.set(signal.pk)
    logger.info("signal submitted: kind %s, team %s, triage %s, confidence %.2f", signal.kind,
                signal.team_id, signal.in_triage, signal.confidence)
    return SubmitResult(signal=signal, created=True, suggested_contact=suggested)


CONTACT_ADD_WINDOW = timedelta(hours=24)


@logs_signal
@transaction.atomic
def signal_contact_add(
    *, signal_id: int, by: User, contact: dict[str, Any], contact_consent: bool,
    consent_wording_version: str | None = None, now: datetime | None = None,
) -> SignalContact:
    """The submitter adds the person's contact details after submitting, with their consent, within
    24 hours (issue 16.3): a number typed into the text without consent was replaced by `[phone]`,
    and this is the way to give it to the team after all. Takes the signal's row lock.

    Only the submitter may (404 for everyone else); without consent it is a 400 and nothing is
    stored; after 24 hours, or once the signal is closed, a 409.
    """
    now = now or timezone.now()
    signal = Signal.objects.select_for_update(of=("self",)).filter(pk=signal_id, submitter=by).first()
    if signal is None:
        raise NotFound("Signal not found.")
    if contact_consent is not True:
        raise DomainError(
            "Contact details can only be stored when the person agreed to be contacted.",
            code="consent_required", fields={"contact_consent": ["Must be true."]},
        )
    if now - signal.created_at > CONTACT_ADD_WINDOW:
        raise Conflict("Contact details can be added within 24 hours of passing on a signal.",
                       code="contact_window_closed")
    if lifecycle.is_closed(signal.kind, signal.status):
        raise Conflict("This signal is already closed.", code="signal_closed")
    submitter_language = getattr(getattr(by, "profile", None), "language", "en")
    clean = _validate_contact(contact=contact, consent=True, submitter_language=submitter_language)
    if not clean or not (clean["phone"] or clean["email"]):
        raise DomainError("Give a phone number or an e-mail address.", code="validation_error",
                          fields={"contact": ["A phone number or an e-mail address is required."]})
    saved, _ = SignalContact.objects.update_or_create(signal=signal, defaults={
        **clean, "consent": True, "consent_at": now, "purged_at": None,
        "consent_wording_version": consent_wording_version or settings.RELAY_CONSENT_WORDING_VERSION,
    })
    if signal.duplicate_of_id is None:
        root = _duplicate_root(kind=signal.kind, phone=clean["phone"], email=clean["email"], now=now)
        if root is not None and root.pk != signal.pk:
            Signal.objects.filter(pk=signal.pk).update(duplicate_of=root)
            SignalEvent.objects.create(signal=signal, type=EventType.DUPLICATE, data={"duplicate_of": root.pk})
    # The history says that it happened, never what: details stay in their own row.
    SignalEvent.objects.create(signal=signal, actor=by, type=EventType.CONTACT_ADDED,
                               from_status=signal.status, to_status=signal.status)
    events.signal_updated(signal)
    return saved


def _lock_for_work(*, signal_id: int, by: User) -> Signal:
    """Fetch with a row lock and authorise: only the routed team (or an admin) may work on it."""
    signal = signal_get_for_user(user=by, signal_id=signal_id)  # 404 when invisible
    if not can_work_on(user=by, signal=signal):
        raise NotFound(_("Signal not found."))
    return Signal.objects.select_for_update(of=("self",)).select_related("team", "assignee__profile").get(pk=signal.pk)


def _claimed_by_other(signal: Signal) -> Conflict:
    holder = signal.assignee
    name = getattr(getattr(holder, "profile", None), "display_name", None) or "someone else"
    return Conflict(
        f"{name} has already claimed this signal.",
        code="already_claimed",
        extra={"claimed_by": {"id": holder.pk, "display_name": name} if holder else None},
    )


@logs_signal
@transaction.atomic
def signal_claim(*, signal_id: int, by: User) -> Signal:
    """Exactly one person wins a concurrent claim: a conditional UPDATE on `assignee IS NULL`."""
    signal = signal_get_for_user(user=by, signal_id=signal_id)
    if not can_work_on(user=by, signal=signal) or signal.in_triage:
        if signal.in_triage and can_work_on(user=by, signal=signal):
            raise Conflict(_("This signal is in triage: confirm or correct its route first."), code="in_triage")
        raise NotFound(_("Signal not found."))
    if lifecycle.is_closed(signal.kind, signal.status):
        raise Conflict(_("This signal is already closed."), code="signal_closed")
    now = timezone.now()
    new_status = lifecycle.STATUS_ON_CLAIM.get(signal.kind)
    updates: dict[str, Any] = {
        "assignee": by, "claimed_at": now, "updated_at": now,
        "first_action_at": Coalesce(F("first_action_at"), now),
    }
    if new_status and signal.status == lifecycle.NEW:
        updates["status"] = new_status
    won = Signal.objects.filter(
        pk=signal.pk, assignee__isnull=True, kind=signal.kind, status=signal.status, in_triage=False
    ).update(**updates)
    signal = Signal.objects.select_related("team", "assignee__profile").get(pk=signal.pk)
    if not won:
        if signal.assignee_id == by.pk:
            return signal  # a retried claim by the winner is not an error
        raise _claimed_by_other(signal)
    logger.info("signal claimed: kind %s, team %s", signal.kind, signal.team_id)
    SignalEvent.objects.create(
        signal=signal, actor=by, type=EventType.CLAIMED,
        from_status=lifecycle.NEW if new_status else signal.status, to_status=signal.status,
    )
    events.signal_claimed(signal, by=by)
    if new_status:
        events.signal_status_changed(signal)
    return signal


@logs_signal
@transaction.atomic
def signal_transition(
    *, signal_id: int, by: User, to: str, note: str = "", visible_to_submitter: bool = False
) -> Signal:
    """Move a signal along its kind's lifecycle. Takes the signal's row lock.

    The assignee acts; a team lead or an admin may act on anyone's signal. An unclaimed signal
    is claimed by whoever acts on it first.
    """
    signal = _lock_for_work(signal_id=signal_id, by=by)
    if signal.in_triage:
        raise Conflict(_("This signal is in triage: confirm or correct its route first."), code="in_triage")
    if signal.assignee_id and signal.assignee_id != by.pk and not (
        by.role == Role.ADMIN or is_team_lead(user=by, team_id=signal.team_id)
    ):
        raise _claimed_by_other(signal)
    if not lifecycle.can_transition(signal.kind, signal.status, to):
        allowed = sorted(lifecycle.TRANSITIONS[signal.kind].get(signal.status, frozenset()))
        raise Conflict(
            _("A %(kind)s cannot go from %(from)s to %(to)s.") % {"kind": signal.kind, "from": signal.status, "to": to},
            code="invalid_transition",
            extra={"allowed": allowed},
        )
    note = note.strip()
    if to in lifecycle.NOTE_REQUIRED[signal.kind] and not note:
        raise DomainError(
            _("Say why when a %(kind)s becomes %(to)s (reason, resolution or reference).") % {"kind": signal.kind, "to": to},
            code="validation_error", fields={"note": [_("Required for this status.")]},
        )
    fields = []
    if signal.assignee_id is None:
        signal.assignee, signal.claimed_at = by, timezone.now()
        fields += ["assignee", "claimed_at"]
    return _status_move(signal=signal, to=to, note=note, actor=by, visible_to_submitter=visible_to_submitter,
                        extra_fields=fields)


def _status_move(*, signal: Signal, to: str, note: str, actor: User | None, visible_to_submitter: bool,
                 extra_fields: list[str], data: dict[str, Any] | None = None) -> Signal:
    """The bookkeeping every status move shares (a person's transition, a CRM's event): the status,
    the first action, closing on a terminal status, the history event and the submitter's notice.
    The caller holds the signal's row lock and has checked the lifecycle allows the move."""
    now = timezone.now()
    from_status = signal.status
    signal.status = to
    fields = ["status", "updated_at", *extra_fields]
    if signal.first_action_at is None:
        signal.first_action_at = now
        fields.append("first_action_at")
    if to in lifecycle.TERMINAL[signal.kind]:
        signal.closed_at, signal.outcome = now, note
        fields += ["closed_at", "outcome"]
    signal.save(update_fields=fields)
    SignalEvent.objects.create(
        signal=signal, actor=actor, type=EventType.TRANSITION, from_status=from_status, to_status=to,
        note=note, visible_to_submitter=visible_to_submitter, **({"data": data} if data is not None else {}),
    )
    events.signal_status_changed(signal, note=note, visible_to_submitter=visible_to_submitter)
    return signal


@logs_signal
@transaction.atomic
def signal_note_add(*, signal_id: int, by: User, text: str, visible_to_submitter: bool = False) -> SignalEvent:
    signal = _lock_for_work(signal_id=signal_id, by=by)
    text = text_clean(text)
    if not text:
        raise DomainError(_("A note needs some text."), code="validation_error", fields={"text": [_("Required.")]})
    if signal.first_action_at is None:
        Signal.objects.filter(pk=signal.pk).update(first_action_at=timezone.now())
    event = SignalEvent.objects.create(
        signal=signal, actor=by, type=EventType.NOTE, from_status=signal.status, to_status=signal.status,
        note=text, visible_to_submitter=visible_to_submitter,
    )
    events.signal_note_added(signal, note=text, visible_to_submitter=visible_to_submitter)
    return event


def _may_act_for_holder(*, signal: Signal, by: User) -> bool:
    """The transition rule: the assignee acts; a team lead or an admin may act on anyone's signal;
    an unclaimed signal (every signal in triage is unclaimed) is open to its team."""
    return (not signal.assignee_id or signal.assignee_id == by.pk or by.role == Role.ADMIN
            or is_team_lead(user=by, team_id=signal.team_id))


@logs_signal
@transaction.atomic
def signal_reroute(
    *, signal_id: int, by: User, kind: str | None = None, team_id: int | None = None, now: datetime | None = None,
) -> Signal:
    """Send a signal to another kind and/or team. Takes the row lock. Recorded as a correction,
    which `export_corrections` turns into training data for the next nlp run.

    Who may: the same people as for a transition (issue 15.6), so re-routing cannot take a claimed
    signal from its holder. What stays: the status when the new kind knows it, the holder when they
    work in the new team (a lead held by someone is `claimed` at least). The history names who did
    it and what was kept.

    The service-level clock is re-armed (docs/listening.md, "SLAs"): the new kind's and team's
    policy counts from the re-route (`now`), and the step markers are cleared so the new team gets
    its own reminder and escalation; the old steps' `sla_*` events stay in the history.
    """
    now = now or timezone.now()
    signal = _lock_for_work(signal_id=signal_id, by=by)
    if lifecycle.is_closed(signal.kind, signal.status):
        raise Conflict(_("A closed signal cannot be re-routed."), code="signal_closed")
    if not _may_act_for_holder(signal=signal, by=by):
        raise _claimed_by_other(signal)
    new_kind = kind or signal.kind
    if team_id is not None:
        team = Team.objects.filter(pk=team_id).first()
        if team is None:
            raise DomainError(_("No such team."), code="validation_error", fields={"team": [_("Unknown team.")]})
        reason = f"re-routed by a person to {team.name}"
    else:
        decision = routing.route(
            text=signal.text, chosen=new_kind, predicted=new_kind, confidence=1.0,
            scores={new_kind: 1.0}, language=signal.language, topics=signal.topics,
        )
        team = decision.team
        if team is None or decision.in_triage:
            raise DomainError(
                _("No routing rule sends a %(kind)s anywhere; name the team.") % {"kind": new_kind},
                code="validation_error", fields={"team": [_("Required: no rule matches.")]},
            )
        reason = f"re-routed by a person; {decision.reason}"
    if new_kind == signal.kind and team.pk == signal.team_id and not signal.in_triage:
        raise DomainError(_("That is where the signal already is."), code="nothing_to_change")

    Correction.objects.create(
        signal=signal, by=by, from_kind=signal.kind, to_kind=new_kind,
        from_team_id=signal.team_id, to_team=team, model_version=signal.model_version,
    )
    from_status, from_team, from_kind, from_assignee = signal.status, signal.team_id, signal.kind, signal.assignee_id
    keeps_holder = bool(
        signal.assignee_id and not team.is_triage
        and Membership.objects.filter(user_id=signal.assignee_id, team=team).exists()
    )
    status = signal.status if signal.status in lifecycle.statuses(new_kind) else lifecycle.NEW
    if keeps_holder and status == lifecycle.NEW:
        status = lifecycle.STATUS_ON_CLAIM.get(new_kind, status)
    elif not keeps_holder and status == lifecycle.STATUS_ON_CLAIM.get(new_kind):
        status = lifecycle.NEW  # "claimed" means someone holds it
    signal.kind = new_kind
    signal.team = team
    signal.in_triage = team.is_triage
    signal.routing_reason = reason[:200]
    signal.status = status
    if not keeps_holder:
        signal.assignee, signal.claimed_at = None, None
    if new_kind != from_kind:
        signal.urgent = new_kind == Kind.COMPLAINT and signal.urgent_predicted
    # The new team cannot be held to time the old one lost, nor be left without a reminder because
    # the old one was reminded: its policy counts from the re-route, and every step is armed again.
    # Counting from now pushes every deadline past now, so no cleared step is due at once. The
    # signal's row lock (taken above) keeps sla_escalate (SKIP LOCKED) away until this commits.
    for name, value in asdict(sla.signal_deadlines(kind=new_kind, urgent=signal.urgent, team=team,
                                                   start=now)).items():
        setattr(signal, name, value)
    reset_steps = sorted(SignalSlaStep.objects.filter(signal=signal).values_list("step", flat=True))
    SignalSlaStep.objects.filter(signal=signal).delete()
    signal.save(update_fields=["kind", "team", "in_triage", "routing_reason", "status", "assignee", "claimed_at",
                               "urgent", "claim_due_at", "claim_escalate_at", "due_at", "resolve_escalate_at",
                               "updated_at"])
    SignalEvent.objects.create(
        signal=signal, actor=by, type=EventType.REROUTED, from_status=from_status, to_status=signal.status,
        data={"from_kind": from_kind, "to_kind": new_kind, "from_team": from_team, "to_team": team.pk,
              "from_assignee": from_assignee, "kept_assignee": keeps_holder,
              "kept_status": signal.status == from_status, "sla_steps_reset": reset_steps},
    )
    if from_team and from_team != team.pk:
        events.signal_updated(signal, team_id=from_team)  # the old team's screens drop it
    events.signal_routed(signal)
    return signal


@logs_signal
@transaction.atomic
def signals_return_held(*, holder: User, reason: str) -> list[int]:
    """Put every open signal `holder` has claimed back in its team's queue, unclaimed (issue 17:
    a leaver's leads must not wait for someone who is gone). A lead goes back from `claimed` to
    `new`, as if never claimed; a later status (contacted, screening, ...) stays, since the work
    done is real, and a colleague claims it from there. Takes the rows' locks in pk order.
    Returns the ids of the signals returned."""
    held = list(Signal.objects.select_for_update(of=("self",)).select_related("team")
                .filter(assignee=holder).order_by("pk"))
    returned: list[int] = []
    for signal in held:
        if lifecycle.is_closed(signal.kind, signal.status):
            continue  # closed work keeps its holder: the history says who did it
        from_status = signal.status
        if signal.status == lifecycle.STATUS_ON_CLAIM.get(signal.kind):
            signal.status = lifecycle.NEW  # "claimed" means someone holds it
        signal.assignee, signal.claimed_at = None, None
        signal.save(update_fields=["status", "assignee", "claimed_at", "updated_at"])
        SignalEvent.objects.create(
            signal=signal, actor=None, type=EventType.RETURNED, from_status=from_status,
            to_status=signal.status, note=f"returned to queue: {reason}", data={"from_assignee": holder.pk},
        )
        # The team's live queue shows it unclaimed again. Not `signal_routed`: that would push the
        # team and tell its CRM of a new arrival, which would open a second deal there.
        events.signal_updated(signal)
        returned.append(signal.pk)
    return returned


@transaction.atomic
def signal_withdraw(*, signal_id: int, by: User) -> Signal:
    """The submitter takes back a signal nobody has claimed yet (conditional update, no race)."""
    signal = Signal.objects.filter(pk=signal_id, submitter=by).first()
    if signal is None:
        raise NotFound(_("Signal not found."))
    if signal.status == lifecycle.WITHDRAWN:
        return signal
    now = timezone.now()
    done = Signal.objects.filter(pk=signal.pk, assignee__isnull=True, status=lifecycle.NEW).update(
        status=lifecycle.WITHDRAWN, closed_at=now, updated_at=now
    )
    if not done:
        raise Conflict(_("Someone is already handling this signal; it can no longer be withdrawn."),
                       code="already_handled")
    signal.refresh_from_db()
    SignalEvent.objects.create(signal=signal, actor=by, type=EventType.WITHDRAWN,
                               from_status=lifecycle.NEW, to_status=lifecycle.WITHDRAWN)
    events.signal_withdrawn(signal)
    return signal


@transaction.atomic
def contact_purge_expired(*, now: datetime | None = None) -> int:
    """Blank the contact details of signals closed longer ago than the retention period.

    The signal, its kind, status and figures remain; the person's name, phone and e-mail and any
    contact details in the text go. Returns how many signals were purged.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RELAY_CONTACT_RETENTION_DAYS)
    contacts = list(
        SignalContact.objects.select_for_update(of=("self",))
        .filter(purged_at__isnull=True, signal__closed_at__lt=cutoff)
        .select_related("signal")
        .order_by("pk")
    )
    for contact in contacts:
        SignalContact.objects.filter(pk=contact.pk).update(
            name="", phone="", email="", best_time="", consent=False, purged_at=now
        )
        Signal.objects.filter(pk=contact.signal_id).update(text=nlp.redact(contact.signal.text))
        SignalEvent.objects.create(signal_id=contact.signal_id, type=EventType.PURGED)
    return len(contacts)


# Each escalation step: which open signals it is for, given the clock (docs/listening.md, "SLAs").
def _step_conditions(now: datetime) -> dict[str, Q]:
    unclaimed = Q(assignee__isnull=True)
    return {
        SlaStep.CLAIM_REMINDED: unclaimed & Q(claim_due_at__lte=now),
        SlaStep.CLAIM_ESCALATED: unclaimed & Q(claim_escalate_at__lte=now),
        SlaStep.TRIAGED: unclaimed & Q(kind=Kind.COMPLAINT, urgent=True, in_triage=False, claim_due_at__lte=now),
        SlaStep.RESOLVE_REMINDED: Q(due_at__lte=now),
        SlaStep.RESOLVE_ESCALATED: Q(resolve_escalate_at__lte=now),
    }


_STEP_EVENT: dict[str, str] = {
    SlaStep.CLAIM_REMINDED: EventType.SLA_REMINDED, SlaStep.RESOLVE_REMINDED: EventType.SLA_REMINDED,
    SlaStep.CLAIM_ESCALATED: EventType.SLA_ESCALATED, SlaStep.RESOLVE_ESCALATED: EventType.SLA_ESCALATED,
    SlaStep.TRIAGED: EventType.SLA_TRIAGED,
}


def sla_escalate(*, now: datetime | None = None, batch: int = 200) -> int:
    """Fire every escalation step whose moment has passed, each once per signal; returns how many.

    Per step, one transaction: the open signals it is due for are row-locked with SKIP LOCKED (a
    second scheduler's run, or a claim in progress, skips them), and for each the step marker, the
    history event and the outbox rows are written together. A worker killed midway rolls all of
    them back and the next run does the step; a run that raced past the lock meets the unique
    (signal, step) constraint in its savepoint and leaves the signal alone. Claiming stops the
    claim steps and closing stops all of them, because both are part of each step's condition.
    """
    now = now or timezone.now()
    fired = 0
    for step, condition in _step_conditions(now).items():
        fired += _sla_step_fire(step=step, condition=condition, now=now, batch=batch)
    return fired


@transaction.atomic
def _sla_step_fire(*, step: str, condition: Q, now: datetime, batch: int) -> int:
    done = SignalSlaStep.objects.filter(signal=OuterRef("pk"), step=step)
    due = list(
        Signal.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(condition, closed_at__isnull=True, team__isnull=False)
        .exclude(Exists(done))
        .select_related("team", "submitter__profile")
        .order_by("pk")[:batch]
    )
    fired = 0
    for signal in due:
        try:
            with transaction.atomic():
                SignalSlaStep.objects.create(signal=signal, step=step, at=now)
        except IntegrityError:
            continue  # another run fired it between our snapshot and our lock
        deadlines: dict[str, datetime | None] = {
            SlaStep.CLAIM_REMINDED: signal.claim_due_at, SlaStep.TRIAGED: signal.claim_due_at,
            SlaStep.CLAIM_ESCALATED: signal.claim_escalate_at, SlaStep.RESOLVE_REMINDED: signal.due_at,
            SlaStep.RESOLVE_ESCALATED: signal.resolve_escalate_at}
        deadline = deadlines[step]
        told = events.sla_step(signal, step=step)
        SignalEvent.objects.create(
            signal=signal, type=_STEP_EVENT[step], from_status=signal.status, to_status=signal.status,
            data={"step": step, "deadline": deadline.isoformat() if deadline else None, "notified": told},
        )
        fired += 1
    return fired


def corrections_export(*, since: datetime | None = None) -> list[dict[str, Any]]:
    """Human re-routes in the training format of nlp (`python -m nlp train --extra FILE`).

    Contact details are redacted from the text: a training corpus is no place for them.
    """
    corrections = Correction.objects.select_related("signal").order_by("created_at", "pk")
    if since is not None:
        corrections = corrections.filter(created_at__gte=since)
    latest: dict[int, Correction] = {}
    for correction in corrections:
        latest[correction.signal_id] = correction  # the last human word on a signal counts
    return [
        {
            "id": str(c.uuid),
            "text": nlp.redact(c.signal.text),
            "kind": c.to_kind,
            "language": c.signal.language,
            "urgent": bool(c.to_kind == Kind.COMPLAINT and c.signal.urgent),
            "source": "correction",
            "from_kind": c.from_kind,
        }
        for c in latest.values()
    ]


@logs_signal
@transaction.atomic
def signal_transition_external(*, signal: Signal, to: str, note: str = "", source: dict[str, Any]) -> Signal:
    """A status the handling team's CRM/ATS reported (issue 18): the caller holds the signal's row
    lock and checked the lifecycle allows it. The submitter hears it as from a console transition,
    with the CRM's note when one is given; `source` (connection, event type, external id) goes in
    the history."""
    note = text_clean(note)
    return _status_move(signal=signal, to=to, note=note, actor=None, visible_to_submitter=bool(note),
                        extra_fields=["external_refs"], data=source)


def nlp_retrain() -> dict[str, Any]:
    """Export the corrections and retrain behind the gate (`python -m nlp retrain`); the decision,
    promoted or refused with its reason, is recorded next to the model for the console."""
    import json

    from nlp.corpus import model_dir
    from nlp.versions import retrain

    out = model_dir()
    out.parent.mkdir(parents=True, exist_ok=True)
    export = out.with_name(out.name + "-export.jsonl")
    export.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in corrections_export()),
                      encoding="utf-8")
    return retrain(out=out, corrections=[export])
