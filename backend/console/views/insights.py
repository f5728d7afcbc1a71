""""What customers tell our staff": signals per kind and week, the products and topics they
mention, and the signals behind each figure (their words only: no contact, no submitter).

For editors and admins, as `GET /api/v1/signals/figures/` is."""
from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.console import charts
from backend.console.access import EDITORS, console_view
from backend.listening import selectors
from backend.listening.models import Kind

EARLIEST_WEEK = date(2000, 1, 1)


def _kind(request: HttpRequest) -> str | None:
    kind = request.GET.get("kind") or None
    return kind if kind in Kind.values else None


def _week(request: HttpRequest) -> date | None:
    """The week asked for, or None for every week. A date the figures cannot hold (before 2000,
    or a year from now) is a 400: `0001-01-01` or `9999-12-31` would overflow the datetime
    arithmetic of the week's bounds."""
    raw = request.GET.get("week") or ""
    if not raw:
        return None
    try:
        week = date.fromisoformat(raw)
    except ValueError:
        raise BadRequest("week is a date: YYYY-MM-DD.") from None
    if not EARLIEST_WEEK <= week <= timezone.localdate() + timedelta(days=366):
        raise BadRequest("week is out of range.")
    return week


@console_view(roles=EDITORS)
def insights_page(request: HttpRequest) -> HttpResponse:
    kind = _kind(request)
    rows = selectors.signals_per_kind_and_week()
    weeks = sorted({r["week"] for r in rows})
    counts = {(r["week"], r["kind"]): r["count"] for r in rows}
    kinds = [(value, label) for value, label in Kind.choices if kind in (None, value)]
    table = [(week, [(value, counts.get((week, value), 0)) for value, _label in kinds]) for week in weeks]
    chart = charts.stacked_columns(
        weeks, [(str(label), [counts.get((w, value), 0) for w in weeks]) for value, label in kinds],
        title=_("Signals per kind and week"), chart_id="per-week",
    )
    topics = selectors.topics_mentioned(kind=kind)
    topic_chart = charts.bar_chart([(t["topic"], t["count"]) for t in topics],
                                   title=_("Products and topics mentioned"), chart_id="topics")
    return render(request, "console/insights.html", {
        "kind": kind, "kinds": Kind.choices, "shown_kinds": kinds, "table": table, "chart": chart,
        "topics": topics, "topic_chart": topic_chart,
        "totals": [(value, label, sum(counts.get((w, value), 0) for w in weeks)) for value, label in kinds],
    })


@console_view(roles=EDITORS)
def insights_drill(request: HttpRequest) -> HttpResponse:
    kind = _kind(request)
    topic = (request.GET.get("topic") or "").strip()[:80] or None
    week = _week(request)
    gists = selectors.signal_gists(kind=kind, week=week, topic=topic)
    return render(request, "console/insights_drill.html", {
        "gists": gists, "kind": kind, "kind_label": dict(Kind.choices).get(kind or "", ""), "week": week,
        "topic": topic,
    })
