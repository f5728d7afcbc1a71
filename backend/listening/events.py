"""What the listening loop tells people: outbox notifications and live events, both written in the
event's transaction and delivered by one task after commit. Services call these; nothing here
decides business rules."""
from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

import nlp
from backend.listening import lifecycle
from backend.listening.models import Kind, Signal
from backend.people.models import Membership, Role, User
from notifications.live import team_queue_group, user_group
from notifications.models import Category, Priority
from notifications.services import Draft, LiveDraft, notify, outbox_write

# Titles are lazy: the outbox writes each one in its recipient's language.
_KIND_TITLE = {
    Kind.COMPLAINT: _("Complaint"), Kind.LEAD: _("Lead"), Kind.REFERRAL: _("Job referral"),
    Kind.FRIEND_DISCOUNT: _("Friends & family discount request"), Kind.FEEDBACK: _("Feedback"),
}


def _summary(signal: Signal) -> dict[str, Any]:
    return {
        "id": signal.pk, "kind": signal.kind, "urgent": signal.urgent, "status": signal.status,
        "team": signal.team_id, "in_triage": signal.in_triage, "language": signal.language,
        "assignee": signal.assignee_id, "due_at": signal.due_at.isoformat() if signal.due_at else None,
    }


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
    if signal.in_triage or team is None:
        title = format_lazy(_("URGENT {kind} to triage") if signal.urgent else _("{kind} to triage"), kind=kind)
    else:
        title = format_lazy(_("URGENT {kind} for {team}") if signal.urgent else _("{kind} for {team}"),
                            kind=kind, team=team.name)
    # The push payload travels through Google: never contact details in it.
    body = nlp.redact(signal.text)[:140]
    outbox_write(
        drafts=[
            Draft(
                user_id=uid, type="signal.routed", category=Category.QUEUE, title=title, body=body,
                data={"type": "signal", "id": str(signal.pk)}, collapse_key=f"signal-{signal.pk}",
                priority=Priority.HIGH if signal.urgent else Priority.NORMAL,
            )
            for uid in _on_duty(signal.team_id, exclude={signal.submitter_id})
        ],
        live=[LiveDraft(team_queue_group(signal.team_id), "signal.routed", _summary(signal))],
    )


def signal_claimed(signal: Signal, *, by: User) -> None:
    """Tell the other agents' apps to drop it: a silent push that replaces the "new" one."""
    name = getattr(getattr(by, "profile", None), "display_name", "")
    if signal.team_id is None:
        return
    outbox_write(
        drafts=[
            Draft(
                user_id=uid, type="signal.claimed", category=Category.QUEUE, title=format_lazy(_("{name} took it"), name=name),
                data={"type": "signal", "id": str(signal.pk), "claimed_by": str(by.pk)},
                collapse_key=f"signal-{signal.pk}", silent=True,
            )
            for uid in _on_duty(signal.team_id, exclude={by.pk})
        ],
        live=[LiveDraft(team_queue_group(signal.team_id), "signal.claimed",
                        {**_summary(signal), "claimed_by": {"id": by.pk, "display_name": name}})],
    )


def signal_status_changed(signal: Signal, *, note: str = "", visible_to_submitter: bool = False) -> None:
    """The submitter hears what became of what they passed on, in their own language."""
    submitter = signal.submitter
    language = getattr(getattr(submitter, "profile", None), "language", "en")
    text = lifecycle.status_text(signal.status, language, in_triage=signal.in_triage)
    outbox_write(
        drafts=[Draft(
            user_id=submitter.pk, type="signal.status", category=Category.MY_SIGNALS, title=text,
            body=note if visible_to_submitter else "", data={"type": "signal", "id": str(signal.pk)},
            collapse_key=f"mine-{signal.pk}",
        )],
        live=[LiveDraft(user_group(submitter.pk), "signal.status",
                        {"id": signal.pk, "status": signal.status, "status_text": text}),
              *_updated(signal)],
    )


def _updated(signal: Signal, *, team_id: int | None = None) -> list[LiveDraft]:
    group_team = team_id or signal.team_id
    return [LiveDraft(team_queue_group(group_team), "signal.updated", _summary(signal))] if group_team else []


def signal_updated(signal: Signal, *, team_id: int | None = None) -> None:
    outbox_write(live=_updated(signal, team_id=team_id))


def complaint_due_soon(signal: Signal) -> None:
    if signal.team_id is None:
        return
    leads = Membership.objects.filter(team_id=signal.team_id, is_lead=True, user__is_active=True).values_list(
        "user_id", flat=True
    )
    admins = [] if leads else User.objects.filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True)
    notify(
        Draft(
            user_id=uid, type="signal.due_soon", category=Category.QUEUE,
            title=format_lazy(_("Urgent complaint #{id} is almost overdue") if signal.urgent
                              else _("Complaint #{id} is almost overdue"), id=signal.pk),
            body=nlp.redact(signal.text)[:140], data={"type": "signal", "id": str(signal.pk)},
            collapse_key=f"due-{signal.pk}", priority=Priority.HIGH,
        )
        for uid in list(leads) or list(admins)
    )
