"""What the listening loop tells people: outbox notifications and live events, both written in the
event's transaction and delivered by one task after commit. Services call these; nothing here
decides business rules.

What leaves the database (the push through FCM, every websocket event) carries the kind, the team
and a short neutral title, never a signal's words or a note (issue 15.4). The inbox, read through
the API by the person the notification is for, also names the signal: `inbox_title` adds a short
excerpt without contact details or names, `inbox_body` the note meant for them (issue 16.6).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import nlp
from backend.listening import lifecycle, redaction
from backend.listening.models import Kind, Signal, SignalContact
from backend.people.models import Membership, Role, User
from notifications.live import team_queue_group, user_group
from notifications.mail import public_url
from notifications.models import Category, Notification, Priority, WebhookSubscription
from notifications.services import Draft, LiveDraft, WebhookDraft, outbox_write

# Titles are lazy: the outbox writes each one in its recipient's language.
_KIND_TITLE = {
    Kind.COMPLAINT: gettext_lazy("Complaint"), Kind.LEAD: gettext_lazy("Lead"),
    Kind.REFERRAL: gettext_lazy("Job referral"),
    Kind.FRIEND_DISCOUNT: gettext_lazy("Friends & family discount request"), Kind.FEEDBACK: gettext_lazy("Feedback"),
}


def kind_label(kind: str) -> Promise:
    """The kind's name, lazy: rendered in its reader's language."""
    return _KIND_TITLE[Kind(kind)]


def _kind(signal: Signal) -> str:
    return str(_KIND_TITLE[Kind(signal.kind)])


def _named(signal: Signal, title: str | Promise) -> str | Promise:
    """An inbox title that says which signal: the title, the kind, a contact-free excerpt (lazy,
    so it is written in its reader's language)."""
    return format_lazy("{title} · {kind}: “{excerpt}”", title=title, kind=_KIND_TITLE[Kind(signal.kind)],
                       excerpt=redaction.excerpt(signal.text))


def _data(signal: Signal, **extra: str) -> dict[str, str]:
    # FCM data payloads are strings on the wire; the inbox API turns the ids back into integers.
    return {"type": "signal", "id": str(signal.pk), **extra}


def _summary(signal: Signal) -> dict[str, Any]:
    return {
        "id": signal.pk, "kind": signal.kind, "urgent": signal.urgent, "status": signal.status,
        "team": signal.team_id, "in_triage": signal.in_triage, "language": signal.language,
        "assignee": signal.assignee_id, "due_at": signal.due_at.isoformat() if signal.due_at else None,
    }


def _webhook(signal: Signal, event: str, **extra: Any) -> list[WebhookDraft]:
    """The outbound event for the handling team's subscriptions (issue 18; docs/webhooks.md).

    The text is redacted (no phone, e-mail or IBAN); the submitter is an id and a display name,
    never their e-mail or phone; the third party's contact only with their recorded consent."""
    if signal.team_id is None or not WebhookSubscription.objects.filter(team_id=signal.team_id, active=True).exists():
        return []
    submitter = signal.submitter
    payload: dict[str, Any] = {
        "signal_id": signal.pk, "kind": signal.kind, "language": signal.language, "urgent": signal.urgent,
        "team": {"id": signal.team_id, "name": signal.team.name if signal.team else ""},
        "status": signal.status, "in_triage": signal.in_triage, "text": nlp.redact(signal.text),
        "topics": list(signal.topics or []), "story_id": signal.story_ref,
        "external_refs": dict(signal.external_refs or {}),
        "submitter": {"id": submitter.pk,
                      "display_name": getattr(getattr(submitter, "profile", None), "display_name", "")},
        "created_at": signal.created_at.isoformat(), **extra,
    }
    contact = SignalContact.objects.filter(signal_id=signal.pk, consent=True, purged_at__isnull=True).first()
    private = None
    if contact is not None:
        private = {"contact": {"name": contact.name, "phone": contact.phone, "email": contact.email,
                               "language": contact.language, "best_time": contact.best_time}}
    return [WebhookDraft(type=event, payload=payload, ordering_key=f"signal:{signal.pk}", team_id=signal.team_id,
                         private=private)]


def _on_duty(team_id: int, *, exclude: set[int] | None = None) -> list[int]:
    ids = Membership.objects.filter(team_id=team_id, on_duty=True, user__is_active=True).values_list(
        "user_id", flat=True
    )
    return [i for i in ids if i not in (exclude or set())]


def signal_routed(signal: Signal) -> None:
    """A signal arrived in a team's queue: tell the members on duty, urgent complaints loudly."""
    if signal.team_id is None:
        return
    team = signal.team
    kind = _KIND_TITLE[Kind(signal.kind)]
    # Lazy titles: each recipient's notification is written in their own language (outbox_write).
    if signal.in_triage or team is None:
        title = format_lazy(gettext_lazy("URGENT {kind} to triage") if signal.urgent
                            else gettext_lazy("{kind} to triage"), kind=kind)
    else:
        title = format_lazy(gettext_lazy("URGENT {kind} for {team}") if signal.urgent
                            else gettext_lazy("{kind} for {team}"), kind=kind, team=team.name)
    outbox_write(
        drafts=[
            Draft(
                user_id=uid, type="signal.routed", category=Category.QUEUE, title=title,
                inbox_title=_named(signal, title), data=_data(signal), collapse_key=f"signal-{signal.pk}",
                priority=Priority.HIGH if signal.urgent else Priority.NORMAL,
            )
            for uid in _on_duty(signal.team_id, exclude={signal.submitter_id})
        ],
        live=[LiveDraft(team_queue_group(signal.team_id), "signal.routed", _summary(signal))],
        webhooks=[] if signal.in_triage else _webhook(signal, "signal.routed"),
    )


def signal_claimed(signal: Signal, *, by: User) -> None:
    """Tell the other agents' apps to drop it: a silent push that replaces the "new" one."""
    name = getattr(getattr(by, "profile", None), "display_name", "")
    if signal.team_id is None:
        return
    outbox_write(
        drafts=[
            Draft(
                user_id=uid, type="signal.claimed", category=Category.QUEUE,
                title=format_lazy(gettext_lazy("{name} took it"), name=name),
                data=_data(signal, claimed_by=str(by.pk)),
                collapse_key=f"signal-{signal.pk}", silent=True,
            )
            for uid in _on_duty(signal.team_id, exclude={by.pk})
        ],
        live=[LiveDraft(team_queue_group(signal.team_id), "signal.claimed",
                        {**_summary(signal), "claimed_by": {"id": by.pk, "display_name": name}})],
        webhooks=_webhook(signal, "signal.claimed", claimed_by={"id": by.pk, "display_name": name}),
    )


def signal_status_changed(signal: Signal, *, note: str = "", visible_to_submitter: bool = False,
                          transitioned: bool = True) -> None:
    """The submitter hears what became of what they passed on, in their own language; the handling
    team's webhooks hear `signal.transitioned` (not for a note, which is `signal_note_added`)."""
    submitter = signal.submitter
    language = _language(submitter)
    text = lifecycle.status_text(signal.status, language, in_triage=signal.in_triage)
    with translation.override(language):
        inbox_title = _named(signal, text)
    outbox_write(
        drafts=[Draft(
            user_id=submitter.pk, type="signal.status", category=Category.MY_SIGNALS, title=text,
            inbox_title=inbox_title, inbox_body=note if visible_to_submitter else "", data=_data(signal),
            collapse_key=f"mine-{signal.pk}",
        )],
        live=[LiveDraft(user_group(submitter.pk), "signal.status",
                        {"id": signal.pk, "status": signal.status, "status_text": text}),
              *_updated(signal)],
        webhooks=_webhook(signal, "signal.transitioned") if transitioned else [],
    )


def signal_note_for_submitter(signal: Signal, *, note: str) -> None:
    """A note the team wrote for the submitter: its own type, so the app can show it as a note."""
    submitter = signal.submitter
    language = _language(submitter)
    with translation.override(language):
        title = _("A note about your %(kind)s") % {"kind": _kind(signal).lower()}
        inbox_title = _named(signal, _("A note from the team"))
    outbox_write(
        drafts=[Draft(
            user_id=submitter.pk, type="signal.note", category=Category.MY_SIGNALS, title=title,
            inbox_title=inbox_title, inbox_body=note, data=_data(signal), collapse_key=f"mine-{signal.pk}",
        )],
        live=[LiveDraft(user_group(submitter.pk), "signal.note", {"id": signal.pk, "status": signal.status})],
    )


def _language(user: User) -> str:
    return getattr(getattr(user, "profile", None), "language", "en") or "en"


def _updated(signal: Signal, *, team_id: int | None = None) -> list[LiveDraft]:
    group_team = team_id or signal.team_id
    return [LiveDraft(team_queue_group(group_team), "signal.updated", _summary(signal))] if group_team else []


def signal_updated(signal: Signal, *, team_id: int | None = None) -> None:
    outbox_write(live=_updated(signal, team_id=team_id))


def signal_note_added(signal: Signal, *, note: str, visible_to_submitter: bool) -> None:
    """A note on a signal: the handling team's webhooks hear it (redacted, like the text); the
    submitter hears it when it is meant for them."""
    outbox_write(webhooks=_webhook(signal, "signal.note_added", note=nlp.redact(note),
                                         visible_to_submitter=visible_to_submitter))
    if visible_to_submitter:
        signal_note_for_submitter(signal, note=note)


def signal_withdrawn(signal: Signal) -> None:
    outbox_write(live=_updated(signal), webhooks=_webhook(signal, "signal.withdrawn"))


# Issue 20's escalation steps: who hears each, in which words (titles lazy: each reader's language).
_SLA_TITLES = {
    "claim_reminded": gettext_lazy("{kind} #{id} is waiting to be claimed"),
    "resolve_reminded": gettext_lazy("{kind} #{id} is past its resolution time"),
    "claim_escalated": gettext_lazy("Escalated: {kind} #{id} for {team} is still unclaimed"),
    "resolve_escalated": gettext_lazy("Escalated: {kind} #{id} for {team} is still not resolved"),
    "triaged": gettext_lazy("URGENT {kind} #{id} for {team} is unclaimed"),
}


def _team_leads(team_id: int) -> list[int]:
    """The team's leads; an organisation without one for this team hears it through its admins."""
    leads = list(Membership.objects.filter(team_id=team_id, is_lead=True, user__is_active=True)
                 .values_list("user_id", flat=True))
    return leads or list(User.objects.filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True))


def _triage_members(*, exclude: set[int]) -> list[int]:
    ids = Membership.objects.filter(team__is_triage=True, on_duty=True, user__is_active=True).values_list(
        "user_id", flat=True).distinct()
    return [i for i in ids if i not in exclude]


def sla_step(signal: Signal, *, step: str) -> int:
    """An escalation step fired (services.sla_escalate): the people it is for get a push and an inbox
    entry, in the step's transaction. Returns how many people were told.

    Reminders (`signal.overdue`) go to the team's members on duty (and the holder, for resolution);
    escalations (`signal.escalated`, which the e-mail outbox also mails) to the team's leads; an
    urgent complaint past its claim time to the triage team's members (`signal.overdue`: a heads-up
    to act, not a lead's escalation mail). The submitter hears "still waiting for a colleague" once,
    with no name of whoever was late.
    """
    assert signal.team_id is not None and signal.team is not None
    exclude = {signal.submitter_id}
    if step == "claim_reminded":
        people, kind = _on_duty(signal.team_id, exclude=exclude), "signal.overdue"
    elif step == "resolve_reminded":
        holder = [signal.assignee_id] if signal.assignee_id and signal.assignee_id not in exclude else []
        people, kind = list(dict.fromkeys(_on_duty(signal.team_id, exclude=exclude) + holder)), "signal.overdue"
    elif step == "triaged":
        people, kind = _triage_members(exclude=exclude), "signal.overdue"
    else:
        people, kind = [i for i in _team_leads(signal.team_id) if i not in exclude], "signal.escalated"
    title = format_lazy(_SLA_TITLES[step], kind=_KIND_TITLE[Kind(signal.kind)], id=signal.pk, team=signal.team.name)
    urgent_or_lead = signal.urgent or kind == "signal.escalated"
    drafts = [
        Draft(user_id=uid, type=kind, category=Category.QUEUE, title=title, inbox_title=_named(signal, title),
              data=_data(signal, step=step), collapse_key=f"sla-{signal.pk}",
              priority=Priority.HIGH if urgent_or_lead else Priority.NORMAL)
        for uid in people
    ]
    if step == "claim_reminded":
        submitter = signal.submitter
        text = lifecycle.status_text(signal.status, _language(submitter), waiting=True)
        with translation.override(_language(submitter)):
            inbox_title = _named(signal, text)
        drafts.append(Draft(user_id=submitter.pk, type="signal.status", category=Category.MY_SIGNALS, title=text,
                            inbox_title=inbox_title, data=_data(signal), collapse_key=f"mine-{signal.pk}"))
    outbox_write(drafts=drafts, live=_updated(signal))
    return len(people)


def _deadline_passed(signal: Signal, now: datetime) -> datetime:
    """The service-level time this escalation is about: to be claimed while nobody holds the
    signal, else to be resolved (the signal's creation when neither is set or passed)."""
    deadlines = [signal.claim_due_at] if signal.assignee_id is None else []
    passed = [d for d in [*deadlines, signal.due_at] if d is not None and d < now]
    return passed[0] if passed else signal.created_at


def escalation_email_context(notification: Notification) -> dict[str, Any]:
    """What the team lead's escalation mail says (issue 20): kind, team, how overdue, a contact-free
    excerpt and the console link. Registered with the outbox for `signal.escalated` (apps.py); the
    mail is rendered in the lead's language right after this, so lazy labels stay lazy."""
    signal = (Signal.objects.select_related("team").filter(pk=int(notification.data.get("id") or 0)).first())
    if signal is None:
        return {"title": notification.inbox_title or notification.title, "body": notification.body}
    now = timezone.now()
    return {
        "signal_id": signal.pk, "kind_label": _KIND_TITLE[Kind(signal.kind)],
        "team": signal.team.name if signal.team is not None else "",
        # The template's timesince filter writes "2 uur, 5 minuten" in the lead's language.
        "overdue_since": _deadline_passed(signal, now), "now": now,
        "excerpt": redaction.excerpt(signal.text, limit=120),
        "url": public_url(f"/console/signals/{signal.pk}/"),
    }
