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
GUIDELINES_TRANSLATIONS = {
    "nl": "Deel alleen wat je zelf wilt delen, in je eigen woorden. Zeg dat je bij Nordzee Bank werkt. "
          "Deel nooit klantgegevens of iets vertrouwelijks. Blijf vriendelijk; vraag het bij twijfel aan marketing.",
    "da": "Del kun det, du selv vil dele, med dine egne ord. Sig, at du arbejder i Nordzee Bank. "
          "Del aldrig kundedata eller noget fortroligt. Vær venlig; spørg marketing, hvis du er i tvivl.",
}

# Each story is written in the language it is tagged with; `versions` carries the other languages.
STORIES: list[dict[str, Any]] = [
    {
        "title": "Nordzee Bank maakt 2.000 woningen groener", "type": "news", "language": "nl",
        "summary": "Rentekorting voor elke duurzame verbouwing van je huis.",
        "url": "https://nordzee.example/nieuws/groene-hypotheek",
        "talking_points": ["0,2% rentekorting na een energiezuinige verbouwing", "Gratis energiescan voor klanten"],
        "suggested_texts": [
            {"channel": "linkedin", "language": "nl", "text": "Trots op onze groene hypotheekkorting!"},
            {"channel": "linkedin", "language": "da", "text": "Stolt af vores grønne boligrabat!"},
        ],
        "versions": {
            "da": {"title": "Nordzee Bank gør 2.000 boliger grønnere",
                   "summary": "Rentenedsættelse for enhver bæredygtig forbedring af boligen.",
                   "talking_points": ["0,2 % lavere rente efter en energirenovering", "Gratis energitjek for kunder"]},
            "en": {"title": "Nordzee Bank makes 2,000 homes greener",
                   "summary": "Interest discount for every sustainable home improvement.",
                   "talking_points": ["0.2% rate discount after a home energy upgrade", "Free energy scan for customers"]},
        },
        "hashtags": ["duurzaam", "hypotheek"], "targets": {"interest": ["mortgages", "sustainability"]},
        "for_alumni": True,
    },
    {
        "title": "Vi ansætter: Python-udviklere i København", "type": "vacancy", "language": "da",
        "summary": "Bliv en del af holdet, der bygger vores mobilbank.",
        "url": "https://nordzee.example/jobs/python-developer",
        "talking_points": ["Hybridarbejde, 2 dage på kontoret", "Henvisningsbonus til medarbejdere"],
        "suggested_texts": [{"channel": "linkedin", "language": "da", "text": "Vi søger Python-udviklere!"}],
        "versions": {
            "nl": {"title": "We zoeken Python-ontwikkelaars in Kopenhagen",
                   "summary": "Kom in het team dat onze mobiele bank bouwt.",
                   "talking_points": ["Hybride werken, 2 dagen op kantoor", "Aanbrengbonus voor medewerkers"]},
            "en": {"title": "We are hiring: Python developers in Copenhagen",
                   "summary": "Join the team that builds our mobile bank.",
                   "talking_points": ["Hybrid work, 2 days at the office", "Referral bonus for employees"]},
        },
        "hashtags": ["jobs", "python"], "targets": {}, "for_alumni": True,
    },
    {
        "title": "Ondernemersdag in Utrecht", "type": "event", "language": "nl",
        "summary": "Gratis adviesgesprekken voor ondernemers op 12 december.",
        "url": "https://nordzee.example/events/ondernemersdag",
        "talking_points": ["Neem je vragen over financiering mee"],
        "suggested_texts": [{"channel": "facebook", "language": "nl", "text": "Ondernemer in Utrecht? Kom langs!"}],
        "versions": {},
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
    Guidelines.objects.update_or_create(version=GUIDELINES_VERSION,
                                        defaults={"text": GUIDELINES_TEXT, "translations": GUIDELINES_TRANSLATIONS})
    campaign, _ = Campaign.objects.update_or_create(
        slug="green-homes-2026",
        defaults={"name": "Green homes 2026", "goal": "leads", "owner": editor,
                  "kpi_targets": {"shares": 100, "clicks": 2000, "signals": 20}},
    )
    now = timezone.now()
    for item in STORIES:
        targets = item["targets"]
        fields = {k: v for k, v in item.items() if k not in ("targets", "url")}
        # Keyed by URL, not title: a database loaded before the titles were translated is updated in place.
        story, created = Story.objects.update_or_create(
            url=item["url"], defaults={**fields, "created_by": editor,
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
