"""A few demo stories, a campaign and the guidelines for the demo bank, idempotently."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.people.models import Role, User
from backend.sharing.models import Campaign, Guidelines, Story, StoryState, StoryTarget

GUIDELINES_VERSION = "2026-01"
GUIDELINES_TEXT = (
    "Share only what you want to share, in your own words. Say that you work for Nordzee Bank. "
    "Never share customer data or anything confidential. Stay friendly; when in doubt, ask marketing."
)

STORIES: list[dict[str, Any]] = [
    {
        "title": "Nordzee Bank makes 2,000 homes greener", "type": "news", "language": "nl",
        "summary": "Interest discount for every sustainable home improvement.",
        "url": "https://nordzee.example/nieuws/groene-hypotheek",
        "talking_points": ["0.2% rate discount after a home energy upgrade", "Free energy scan for customers"],
        "suggested_texts": [
            {"channel": "linkedin", "language": "nl", "text": "Trots op onze groene hypotheekkorting!"},
            {"channel": "linkedin", "language": "da", "text": "Stolt af vores grønne boligrabat!"},
        ],
        "hashtags": ["duurzaam", "hypotheek"], "targets": {"interest": ["mortgages", "sustainability"]},
        "for_alumni": True,
    },
    {
        "title": "We are hiring: Python developers in Copenhagen", "type": "vacancy", "language": "da",
        "summary": "Join the team that builds our mobile bank.",
        "url": "https://nordzee.example/jobs/python-developer",
        "talking_points": ["Hybrid work, 2 days at the office", "Referral bonus for employees"],
        "suggested_texts": [{"channel": "linkedin", "language": "da", "text": "Vi søger Python-udviklere!"}],
        "hashtags": ["jobs", "python"], "targets": {}, "for_alumni": True,
    },
    {
        "title": "Small business day in Utrecht", "type": "event", "language": "nl",
        "summary": "Free advice sessions for entrepreneurs on 12 December.",
        "url": "https://nordzee.example/events/ondernemersdag",
        "talking_points": ["Bring your questions about financing"],
        "suggested_texts": [{"channel": "facebook", "language": "nl", "text": "Ondernemer in Utrecht? Kom langs!"}],
        "hashtags": ["ondernemen"], "targets": {"language": ["nl"]}, "for_alumni": False,
    },
]


@transaction.atomic
def demo_sharing_load() -> dict[str, int]:
    """Create or update the demo campaign, stories and guidelines. Stories are published directly
    (no notifications: loading demo data must not push anything)."""
    editor = User.objects.filter(email="mark@relay.demo").first() or User.objects.filter(
        role__in=[Role.EDITOR, Role.ADMIN]).order_by("pk").first()
    if editor is None:
        return {"stories": 0, "campaigns": 0}
    Guidelines.objects.get_or_create(version=GUIDELINES_VERSION, defaults={"text": GUIDELINES_TEXT})
    campaign, _ = Campaign.objects.update_or_create(
        slug="green-homes-2026",
        defaults={"name": "Green homes 2026", "goal": "leads", "owner": editor,
                  "kpi_targets": {"shares": 100, "clicks": 2000, "signals": 20}},
    )
    now = timezone.now()
    for item in STORIES:
        targets = item["targets"]
        fields = {k: v for k, v in item.items() if k not in ("targets", "title")}
        story, created = Story.objects.update_or_create(
            title=item["title"], defaults={**fields, "created_by": editor,
                                           "campaign": campaign if item["type"] == "news" else None},
        )
        if created or story.state != StoryState.PUBLISHED:
            Story.objects.filter(pk=story.pk).update(state=StoryState.PUBLISHED, published_at=now, publish_at=now,
                                                    expires_at=now + timedelta(days=60))
        StoryTarget.objects.filter(story=story).delete()
        StoryTarget.objects.bulk_create(
            StoryTarget(story=story, dimension=d, value=v) for d, values in targets.items() for v in values
        )
    return {"stories": len(STORIES), "campaigns": 1}
