"""Reads of the listening loop, and the one place that decides who may see which signal.

Visibility: the submitter sees their own signals (without internal notes); members of the
team a signal is routed to see and work on it, contact details included; admins see all.
Everyone else gets a 404, so the existence of other people's signals does not leak.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

import nlp
from backend.core.errors import DomainError, NotFound
from backend.core.text import text_clean
from backend.listening import lifecycle, redaction
from backend.listening.models import Kind, Signal, SignalEvent
from backend.people.models import Membership, Role, Team, User

# Sorts signals without a due time after those with one, on every database.
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def team_ids_for(*, user: User) -> set[int]:
    cache = getattr(user, "_relay_team_ids", None)
    if cache is None:
        cache = set(Membership.objects.filter(user=user).values_list("team_id", flat=True))
        user._relay_team_ids = cache  # type: ignore[attr-defined]  # a memo on this request's user object
    return cache


def is_team_lead(*, user: User, team_id: int | None) -> bool:
    return team_id is not None and Membership.objects.filter(user=user, team_id=team_id, is_lead=True).exists()


def can_work_on(*, user: User, signal: Signal) -> bool:
    """Members of the team the signal is routed to, and admins."""
    return user.role == Role.ADMIN or (signal.team_id is not None and signal.team_id in team_ids_for(user=user))


def can_see(*, user: User, signal: Signal) -> bool:
    """The one visibility rule: the submitter, the routed team, admins."""
    return signal.submitter_id == user.pk or can_work_on(user=user, signal=signal)


def duplicate_of_for(*, user: User, signal: Signal) -> int | None:
    """The earlier signal this one may duplicate, only for someone who may see that one too.

    Telling anyone else would make `duplicate_of` an oracle: submit a complaint with a phone number
    and learn whether that number was reported lately (issue 15.5). Needs `duplicate_of` loaded
    (`select_related`) to avoid a query per signal.
    """
    root = signal.duplicate_of if signal.duplicate_of_id else None
    return root.pk if root is not None and can_see(user=user, signal=root) else None


def already_known_for_submitter(*, signal: Signal) -> bool:
    """What the submitter may learn: that one of their own earlier signals is about the same person."""
    root = signal.duplicate_of if signal.duplicate_of_id else None
    return root is not None and root.submitter_id == signal.submitter_id


@dataclass(frozen=True)
class SignalPreview:
    kind: str
    language: str
    urgent: bool
    confidence: float
    suggested_contact: dict[str, str]
    consent_needed: bool


def signal_preview(*, text: str) -> SignalPreview:
    """What a submission of `text` would be, before it is sent: classified, stored nowhere.

    The app asks "did they agree that we call them?" when `consent_needed`: without consent the
    contact details found in the text would be replaced by placeholders on submission.
    """
    text = text_clean(text)
    if len(text) < settings.RELAY_SIGNAL_TEXT_MIN:
        raise DomainError("Please write a few words.", code="validation_error",
                          fields={"text": [f"At least {settings.RELAY_SIGNAL_TEXT_MIN} characters."]})
    verdict = nlp.classify(text)
    suggested = {}
    if verdict.phones:
        suggested["phone"] = verdict.phones[0]
    if verdict.emails:
        suggested["email"] = verdict.emails[0]
    return SignalPreview(
        kind=verdict.kind, language=verdict.language, urgent=verdict.kind == Kind.COMPLAINT and verdict.urgent,
        confidence=verdict.confidence, suggested_contact=suggested, consent_needed=bool(suggested),
    )


def signal_get_for_user(*, user: User, signal_id: int) -> Signal:
    """Fetch and authorise in one step: 404 for a signal the user may not see."""
    signal = (
        Signal.objects.select_related("team", "assignee__profile", "contact", "submitter__profile", "duplicate_of")
        .filter(pk=signal_id)
        .first()
    )
    if signal is None or not can_see(user=user, signal=signal):
        raise NotFound(_("Signal not found."))
    return signal


def signal_events_for(*, signal: Signal, team_view: bool, viewer: User | None = None) -> list[SignalEvent]:
    """The history; for a team `viewer`, a duplicate link they may not follow is left out (15.5)."""
    events = signal.events.select_related("actor__profile")
    if not team_view:
        events = events.filter(visible_to_submitter=True)
    history = list(events)
    visible_root = duplicate_of_for(user=viewer, signal=signal) if viewer is not None else None
    for event in history:
        if "duplicate_of" in (event.data or {}) and event.data["duplicate_of"] != visible_root:
            event.data = {k: v for k, v in event.data.items() if k != "duplicate_of"}
    return history


def signals_for_submitter(*, user: User) -> QuerySet[Signal]:
    visible_notes = SignalEvent.objects.filter(visible_to_submitter=True).exclude(note="").order_by("created_at", "id")
    return (
        Signal.objects.filter(submitter=user)
        .select_related("team")
        .prefetch_related(Prefetch("events", queryset=visible_notes, to_attr="submitter_notes"))
    )


def queues_for_user(*, user: User) -> QuerySet[Team]:
    teams = Team.objects.all() if user.role == Role.ADMIN else Team.objects.filter(memberships__user=user)
    return teams.order_by("-is_triage", "name").distinct()


def queue_get_for_user(*, user: User, team_id: int) -> Team:
    team = queues_for_user(user=user).filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("Queue not found."))
    return team


def queue_signals(*, team: Team, include_closed: bool = False) -> QuerySet[Signal]:
    """A team's signals, urgent first, then by due time, then oldest first."""
    signals = Signal.objects.filter(team=team).select_related("team", "assignee__profile", "contact", "duplicate_of")
    if not include_closed:
        closed = Q(status=lifecycle.WITHDRAWN) | Q(closed_at__isnull=False)
        signals = signals.exclude(closed)
    return signals


@dataclass(frozen=True)
class SignalTotals:
    submitted: int
    open: int
    closed: int
    leads_won: int


def signal_totals_for_submitter(*, user: User) -> SignalTotals:
    row = Signal.objects.filter(submitter=user).aggregate(
        submitted=Count("id"),
        closed=Count("id", filter=Q(closed_at__isnull=False)),
        leads_won=Count("id", filter=Q(kind=Kind.LEAD, status="won")),
    )
    return SignalTotals(
        submitted=row["submitted"], open=row["submitted"] - row["closed"], closed=row["closed"],
        leads_won=row["leads_won"],
    )


def signal_figures(*, since: datetime | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per kind, team and week: counts, median hours to first action, overdue complaints, lead conversion."""
    now = now or timezone.now()
    since = since or now - timedelta(weeks=12)
    rows = (
        Signal.objects.filter(created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .values("week", "kind", "team_id", "team__name", "team__kind", "created_at", "first_action_at", "status",
                "due_at", "closed_at")
    )
    groups: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        key = (r["week"].date().isoformat() if r["week"] else "", r["kind"], r["team_id"])
        g = groups.setdefault(key, {
            "week": key[0], "kind": r["kind"], "team": {"id": r["team_id"], "name": r["team__name"], "kind": r["team__kind"]},
            "count": 0, "_waits": [], "overdue": 0, "won": 0, "lost": 0,
        })
        g["count"] += 1
        if r["first_action_at"]:
            g["_waits"].append((r["first_action_at"] - r["created_at"]).total_seconds() / 3600)
        if r["kind"] == Kind.COMPLAINT and r["due_at"] and r["closed_at"] is None and r["due_at"] < now:
            g["overdue"] += 1
        if r["kind"] == Kind.LEAD and r["status"] in ("won", "lost"):
            g[r["status"]] += 1
    result = []
    for g in sorted(groups.values(), key=lambda g: (g["week"], g["kind"], g["team"]["id"] or 0)):
        waits = g.pop("_waits")
        g["median_hours_to_first_action"] = round(median(waits), 2) if waits else None
        decided = g["won"] + g["lost"]
        g["lead_conversion"] = round(g["won"] / decided, 3) if g["kind"] == Kind.LEAD and decided else None
        result.append(g)
    return result


def queue_signals_by_attention(
    *, team: Team, now: datetime | None = None, include_closed: bool = False
) -> QuerySet[Signal]:
    """A team's signals for a desk: overdue first, then urgent, then by due time, then oldest.

    The API's queue orders by urgency and due time only; a person at a desk also needs what has
    already passed its due time on top, whatever its urgency.
    """
    now = now or timezone.now()
    unclaimed = Q(assignee__isnull=True, claim_due_at__isnull=False)
    late = Q(due_at__lt=now) | (unclaimed & Q(claim_due_at__lt=now))
    return queue_signals(team=team, include_closed=include_closed).annotate(
        is_overdue=Case(When(late, closed_at__isnull=True, then=Value(1)), default=Value(0),
                        output_field=IntegerField()),
        # The deadline the desk races against (sla.next_deadline): the claim's while unclaimed.
        due_sort=Coalesce(Case(When(unclaimed, then="claim_due_at"), default="due_at"), Value(_FAR_FUTURE)),
    ).order_by("-is_overdue", "-urgent", "due_sort", "created_at", "id")


def signals_per_kind_and_week(*, since: datetime | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """How many signals of each kind came in per week (last 12 weeks): the sum over teams of
    `signal_figures`, so both pages count the same way."""
    totals: dict[tuple[str, str], int] = {}
    for row in signal_figures(since=since, now=now):
        key = (row["week"], row["kind"])
        totals[key] = totals.get(key, 0) + row["count"]
    return [{"week": week, "kind": kind, "count": count} for (week, kind), count in sorted(totals.items())]


def topics_mentioned(
    *, since: datetime | None = None, now: datetime | None = None, kind: str | None = None, limit: int = 15
) -> list[dict[str, Any]]:
    """The products and topics nlp found in signals (last 12 weeks), most mentioned first."""
    now = now or timezone.now()
    signals = Signal.objects.filter(created_at__gte=since or now - timedelta(weeks=12))
    if kind:
        signals = signals.filter(kind=kind)
    counts: Counter[str] = Counter()
    for topics in signals.values_list("topics", flat=True).iterator(chunk_size=2000):
        counts.update({str(t) for t in topics or []})
    return [{"topic": t, "count": n} for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


@dataclass(frozen=True)
class SignalGist:
    """What a reader of the figures may see of one signal: the words, never who or how to reach them."""

    id: int
    kind: str
    language: str
    created_at: datetime
    topics: list[str]
    text: str


def signal_gists(
    *, kind: str | None = None, week: date | None = None, topic: str | None = None,
    since: datetime | None = None, now: datetime | None = None, limit: int = 50,
) -> list[SignalGist]:
    """The drill-down behind the figures: recent signals of a kind, week and/or topic, with contact
    details and the names of third persons redacted from the text (issue 15.4), and no submitter or
    contact attached."""
    now = now or timezone.now()
    signals = Signal.objects.filter(created_at__gte=since or now - timedelta(weeks=12)).exclude(
        status=lifecycle.WITHDRAWN)
    if kind:
        signals = signals.filter(kind=kind)
    if week:
        start = timezone.make_aware(datetime.combine(week, datetime.min.time()))
        signals = signals.filter(created_at__gte=start, created_at__lt=start + timedelta(weeks=1))
    rows = signals.order_by("-created_at", "-id").values_list("pk", "kind", "language", "created_at", "topics", "text")
    gists = []
    for pk, k, language, created_at, topics, text in rows.iterator(chunk_size=500):
        if topic and topic not in (topics or []):
            continue
        gists.append(SignalGist(id=pk, kind=k, language=language, created_at=created_at, topics=list(topics or []),
                                text=redaction.redact_people(text)))
        if len(gists) >= limit:
            break
    return gists


def nlp_model_versions() -> dict[str, Any]:
    """The live kind model and every retrain decision, newest first; read from disk on each call
    so every process shows what is on disk now."""
    import json

    from nlp.corpus import model_dir
    from nlp.versions import history

    out = model_dir()
    live: dict[str, Any] | None = None
    try:
        live = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        live = None
    return {"live": live, "history": list(reversed(history(out)))}
