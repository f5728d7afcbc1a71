"""Read-only figures across sharing (and the signals stories brought in). Nothing here writes.

Definitions, the same everywhere:
- shares: shares made; estimated reach: the sum of the sharers' network sizes on the channel
  (snapshotted when they shared);
- clicks: visits through tracked links, link-preview bots left out;
- unique visitors: distinct visitor keys; a key is salted per day, so one person visiting on two
  days counts twice (the price of storing no address);
- reactions: likes and comments.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from backend.listening.models import Kind, Signal
from backend.people.models import Profile, Team, User
from backend.sharing.models import Campaign, Click, Reaction, Share, Story

GROUPINGS = ("story", "campaign", "channel", "team", "week")

# grouping → (share key, click key, reaction key or None)
_KEYS: dict[str, tuple[Any, Any, Any]] = {
    "story": ("story_id", "share__story_id", "story_id"),
    "campaign": ("story__campaign_id", "share__story__campaign_id", "story__campaign_id"),
    "channel": ("channel", "channel", None),
    "team": ("user__memberships__team_id", "share__user__memberships__team_id", "user__memberships__team_id"),
    "week": (TruncWeek("created_at"), TruncWeek("at"), TruncWeek("created_at")),
}


def _grouped(queryset: Any, key: Any, **aggregates: Any) -> dict[Any, dict[str, Any]]:
    if isinstance(key, str):
        rows = queryset.values(k=F(key))
    else:
        rows = queryset.annotate(k=key).values("k")
    return {r.pop("k"): r for r in rows.annotate(**aggregates).order_by()}


def _label(by: str, key: Any) -> str:
    return "" if key is None else str(key.date().isoformat() if by == "week" and hasattr(key, "date") else key)


def sharing_figures(*, by: str, since: datetime | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Shares, clicks, unique visitors, estimated reach and reactions per story, campaign, channel,
    team or week (last 12 weeks by default). A person in two teams counts for both teams."""
    now = now or timezone.now()
    since = since or now - timedelta(weeks=12)
    share_key, click_key, reaction_key = _KEYS[by]
    shares = _grouped(Share.objects.filter(created_at__gte=since), share_key,
                      shares=Count("id", distinct=True), reach=Sum("network_size"))
    clicks = _grouped(Click.objects.filter(at__gte=since, is_bot=False), click_key,
                      clicks=Count("id", distinct=True), unique_visitors=Count("visitor_key", distinct=True))
    reactions = (
        _grouped(Reaction.objects.filter(created_at__gte=since), reaction_key, reactions=Count("id", distinct=True))
        if reaction_key is not None else {}
    )
    keys = set(shares) | set(clicks) | set(reactions)
    names: dict[Any, str] = {}
    if by == "story":
        names = dict(Story.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "title"))
    elif by == "campaign":
        names = dict(Campaign.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
    elif by == "team":
        names = dict(Team.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
    rows = []
    for key in keys:
        rows.append({
            "key": _label(by, key),
            "name": names.get(key, _label(by, key) if by in ("channel", "week") else ""),
            "shares": shares.get(key, {}).get("shares", 0),
            "clicks": clicks.get(key, {}).get("clicks", 0),
            "unique_visitors": clicks.get(key, {}).get("unique_visitors", 0),
            "estimated_reach": shares.get(key, {}).get("reach") or 0,
            "reactions": reactions.get(key, {}).get("reactions", 0),
        })
    return sorted(rows, key=lambda r: (r["key"] == "", r["key"].zfill(12) if r["key"].isdigit() else r["key"]))


def sharing_figures_csv(*, by: str, since: datetime | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([by, "name", "shares", "clicks", "unique_visitors", "estimated_reach", "reactions"])
    for r in sharing_figures(by=by, since=since):
        # A leading =, +, - or @ would be a formula in a spreadsheet: neutralise it.
        name = "'" + r["name"] if r["name"][:1] in ("=", "+", "-", "@") else r["name"]
        writer.writerow([r["key"], name, r["shares"], r["clicks"], r["unique_visitors"], r["estimated_reach"],
                         r["reactions"]])
    return out.getvalue()


def _signal_outcomes(signals: QuerySet[Signal]) -> dict[str, int]:
    """Signals, leads, and leads won (the status a CRM reports back, issue 18), in one query."""
    return signals.aggregate(
        signals=Count("id"), leads=Count("id", filter=Q(kind=Kind.LEAD)),
        won_leads=Count("id", filter=Q(kind=Kind.LEAD, status="won")),
    )


def campaign_progress(*, campaign: Campaign) -> list[dict[str, Any]]:
    """Each KPI target of a campaign with the actual figure so far."""
    stories = Story.objects.filter(campaign=campaign).values("pk")
    share_row = Share.objects.filter(story__in=stories).aggregate(shares=Count("id"), reach=Sum("network_size"))
    click_row = Click.objects.filter(share__story__in=stories, is_bot=False).aggregate(
        clicks=Count("id"), unique_visitors=Count("visitor_key", distinct=True)
    )
    actual = {
        "shares": share_row["shares"], "reach": share_row["reach"] or 0,
        "clicks": click_row["clicks"], "unique_visitors": click_row["unique_visitors"],
        "reactions": Reaction.objects.filter(story__in=stories).count(),
        **_signal_outcomes(Signal.objects.filter(story_ref__in=[s["pk"] for s in stories])),
    }
    return [
        {"kpi": kpi, "target": target, "actual": actual[kpi],
         "progress": round(actual[kpi] / target, 3) if target else None}
        for kpi, target in sorted(campaign.kpi_targets.items()) if kpi in actual
    ]


def my_figures(*, user: User, since: datetime | None = None) -> dict[str, Any]:
    """What my shares achieved ("your 12 shares brought 340 visits"), per channel too."""
    shares = Share.objects.filter(user=user)
    clicks = Click.objects.filter(share__user=user, is_bot=False)
    if since:
        shares, clicks = shares.filter(created_at__gte=since), clicks.filter(at__gte=since)
    per_share = {r["channel"]: r for r in shares.values("channel").annotate(
        shares=Count("id"), reach=Sum("network_size")).order_by()}
    per_click = {r["channel"]: r for r in clicks.values("channel").annotate(
        clicks=Count("id"), unique_visitors=Count("visitor_key", distinct=True)).order_by()}
    none: dict[str, int] = {}
    channels: list[dict[str, Any]] = [
        {"channel": ch, "shares": per_share.get(ch, none).get("shares", 0),
         "clicks": per_click.get(ch, none).get("clicks", 0),
         "unique_visitors": per_click.get(ch, none).get("unique_visitors", 0),
         "estimated_reach": per_share.get(ch, none).get("reach") or 0}
        for ch in sorted(set(per_share) | set(per_click))
    ]
    total_shares = sum(c["shares"] for c in channels)
    total_clicks = sum(c["clicks"] for c in channels)
    my_stories = shares.values("story_id")
    return {
        "shares": total_shares,
        "clicks": total_clicks,
        "unique_visitors": clicks.aggregate(n=Count("visitor_key", distinct=True))["n"],
        "estimated_reach": sum(c["estimated_reach"] for c in channels),
        "reactions": Reaction.objects.filter(user=user).count(),
        "signals_from_stories": Signal.objects.filter(submitter=user, story_ref__isnull=False).count(),
        # What the handling team's CRM/ATS reported back (issue 18): "your tip became a customer".
        **Signal.objects.filter(submitter=user).aggregate(
            became_customers=Count("id", filter=Q(kind=Kind.LEAD, status="won")),
            became_hires=Count("id", filter=Q(kind=Kind.REFERRAL, status="hired")),
        ),
        "stories_shared": my_stories.distinct().count(),
        "headline": (f"Your {total_shares} share{'s' if total_shares != 1 else ''} brought "
                     f"{total_clicks} visit{'s' if total_clicks != 1 else ''}."),
        "by_channel": channels,
    }


def leaderboard(*, since: datetime | None = None, now: datetime | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Only people who opted in appear; ranked by visits their shares brought, then by shares."""
    now = now or timezone.now()
    since = since or now - timedelta(days=30)
    opted = Profile.objects.filter(leaderboard_opt_in=True, user__is_active=True)
    rows = opted.annotate(
        shares=Count("user__shares", filter=Q(user__shares__created_at__gte=since), distinct=True),
        clicks=Count("user__shares__clicks", filter=Q(user__shares__clicks__at__gte=since,
                                                      user__shares__clicks__is_bot=False), distinct=True),
    ).filter(shares__gt=0).order_by("-clicks", "-shares", "user_id").values(
        "user_id", "display_name", "shares", "clicks")[:limit]
    return [{"rank": i + 1, **r} for i, r in enumerate(rows)]
