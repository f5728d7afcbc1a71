""""What customers tell our staff": signals per kind and week, the products and topics they
mention, and the signals behind each figure (their words only: no contact, no submitter).

For editors and admins, as `GET /api/v1/signals/figures/` is."""
from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from backend.console import charts
from backend.console.access import EDITORS, console_view
from backend.listening import selectors
from backend.listening.models import Kind


def _kind(request: HttpRequest) -> str | None:
    kind = request.GET.get("kind") or None
    return kind if kind in Kind.values else None


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
    try:
        week = date.fromisoformat(request.GET.get("week") or "")
    except ValueError:
        week = None
    gists = selectors.signal_gists(kind=kind, week=week, topic=topic)
    return render(request, "console/insights_drill.html", {
        "gists": gists, "kind": kind, "kind_label": dict(Kind.choices).get(kind or "", ""), "week": week,
        "topic": topic,
    })
