"""Data for benchmarks/ratios.py and load_bench.py, run in the benchmark's own environment (DATABASE_URL, …):

    python benchmarks/load_seed.py seed --factor 10     # grow the workload data to 10× the base
    python benchmarks/load_seed.py queries              # statements per request of the list reads

The base (1×) is the demo organisation (`load_demo`: 25 people, 3 stories) plus, because the demo
has no traffic yet, a workload of the same order: 30 live stories (clones of the demo's, with their
audiences), 100 open signals across the team queues, 60 shares and 20 notifications per person.
`--factor k` tops every one of those up to k× (people stay the same: it is the rows a feed or a
queue has to look through that grow). The last line printed is JSON.
"""
from __future__ import annotations

import json
import os
import random
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

BASE = {"stories": 30, "signals": 100, "shares": 60, "notifications_per_person": 20}
APP_USERS = ["emma@relay.demo", "lars@relay.demo", "daan@relay.demo", "mette@relay.demo", "james@relay.demo",
             "lotte@relay.demo", "bram@relay.demo", "fatima@relay.demo", "jonas@relay.demo", "freja@relay.demo"]
QUEUE_USERS = {"sam@relay.demo": "sales-nl", "pieter@relay.demo": "sales-nl", "rasmus@relay.demo": "sales-dk",
               "sofie@relay.demo": "support", "kevin@relay.demo": "support", "noor@relay.demo": "support"}
KIND_OF_TEAM = {"sales-nl": "lead", "sales-dk": "lead", "support": "complaint", "recruitment": "referral",
                "marketing": "feedback"}


def seed(factor: int, refresh_tokens: int) -> dict:
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from backend.listening.models import Signal
    from backend.people.models import Team, User
    from backend.sharing.models import Share, Story, StoryTarget
    from notifications.models import Notification

    random.seed(factor)
    now = timezone.now()
    people = {u.email: u for u in User.objects.filter(email__endswith="@relay.demo")}
    demo = list(Story.objects.filter(state="published").prefetch_related("targets").order_by("pk")[:3])
    teams = {t.slug: t for t in Team.objects.filter(slug__in=KIND_OF_TEAM)}
    with transaction.atomic():
        have = Story.objects.filter(title__startswith="[load]").count()
        clones, targets = [], []
        for i in range(have, BASE["stories"] * factor):
            src = demo[i % len(demo)]
            clones.append(Story(
                title=f"[load] {src.title} #{i}", summary=src.summary, url=f"{src.url}?n={i}", language=src.language,
                type=src.type, talking_points=src.talking_points, suggested_texts=src.suggested_texts,
                state="published", published_at=now - timedelta(minutes=11 * i), publish_at=now,
                expires_at=now + timedelta(days=30), created_by=src.created_by, for_alumni=src.for_alumni))
        for story in Story.objects.bulk_create(clones, batch_size=1000):
            src = demo[int(story.title.rsplit("#", 1)[1]) % len(demo)]
            targets += [StoryTarget(story=story, dimension=t.dimension, value=t.value) for t in src.targets.all()]
        StoryTarget.objects.bulk_create(targets, batch_size=2000)

        have = Signal.objects.filter(model_version="load-seed").count()
        submitters = [people[e] for e in APP_USERS]
        slugs = list(teams)
        Signal.objects.bulk_create([
            Signal(submitter=random.choice(submitters), text=f"Seeded signal {i}: buurman wil een offerte",
                   kind=KIND_OF_TEAM[slugs[i % len(slugs)]], kind_predicted=KIND_OF_TEAM[slugs[i % len(slugs)]],
                   language="nl", confidence=0.95, scores={}, model_version="load-seed",
                   team=teams[slugs[i % len(slugs)]], status="new", captured_at=now, urgent=i % 17 == 0,
                   due_at=now + timedelta(hours=4 + i % 40) if slugs[i % len(slugs)] == "support" else None)
            for i in range(have, BASE["signals"] * factor)], batch_size=2000)

        live = list(Story.objects.filter(title__startswith="[load]").values_list("pk", flat=True))
        have = Share.objects.filter(code__startswith="ld").count()
        Share.objects.bulk_create([
            Share(story_id=random.choice(live), user=random.choice(submitters), channel="linkedin",
                  message=f"my own words {i}", message_normalised=f"my own words {i}", code=f"ld{i:08d}",
                  network_size=300)
            for i in range(have, BASE["shares"] * factor)], batch_size=2000)

        rows = []
        for email in APP_USERS:
            user = people[email]
            have = Notification.objects.filter(user=user, type="load.seed").count()
            rows += [Notification(user=user, type="load.seed", category="my_signals", title=f"Update {i}",
                                  push_state="not_pushed", read_at=now if i % 3 else None)
                     for i in range(have, BASE["notifications_per_person"] * factor)]
        Notification.objects.bulk_create(rows, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def pair(user: User) -> dict[str, str]:
        refresh = RefreshToken.for_user(user)
        return {"access": str(refresh.access_token), "refresh": str(refresh)}

    # Every app-start user in locust needs a refresh token of its own: rotation blacklists the old one.
    return {
        "factor": factor,
        "rows": {"stories": Story.objects.count(), "signals": Signal.objects.count(), "shares": Share.objects.count(),
                 "notifications": Notification.objects.count()},
        "app": [pair(people[APP_USERS[i % len(APP_USERS)]]) for i in range(refresh_tokens)],
        "submitters": [str(RefreshToken.for_user(people[e]).access_token) for e in APP_USERS],
        "queues": [{"token": str(RefreshToken.for_user(people[e]).access_token), "queue": teams[slug].pk}
                   for e, slug in QUEUE_USERS.items()],
        "codes": list(Share.objects.filter(code__startswith="ld").order_by("?").values_list("code", flat=True)[:500]),
        "uuid": str(uuid.uuid4()),
    }


def queries() -> dict:
    """Statements per request of the reads whose cost could grow with the data, and items on the page.

    Counted in this process through Django's test client (the whole request cycle, by URL), since
    the server's statements cannot be counted from outside without pg_stat_statements preloaded."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework_simplejwt.tokens import RefreshToken

    from backend.people.models import Team, User

    def client(email: str) -> Client:
        token = RefreshToken.for_user(User.objects.get(email=email)).access_token
        return Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")

    emma, sam = client("emma@relay.demo"), client("sam@relay.demo")
    calls = {
        "GET /api/v1/feed/": (emma, "/api/v1/feed/"),
        "GET /api/v1/notifications/": (emma, "/api/v1/notifications/"),
        "GET /api/v1/signals/mine/": (emma, "/api/v1/signals/mine/"),
        "GET /api/v1/queues/{id}/signals/": (sam, f"/api/v1/queues/{Team.objects.get(slug='sales-nl').pk}/signals/"),
    }
    out = {}
    for name, (c, path) in calls.items():
        assert c.get(path).status_code == 200, name  # warm: first-request set-up is not the endpoint's
        with CaptureQueriesContext(connection) as captured:
            response = c.get(path)
        assert response.status_code == 200 and captured.captured_queries, name
        out[name] = {"statements": len(captured.captured_queries), "items": len(response.json().get("results", []))}
    return out


def main() -> None:
    import argparse

    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["seed", "queries"])
    parser.add_argument("--factor", type=int, default=1)
    parser.add_argument("--refresh-tokens", type=int, default=400)
    args = parser.parse_args()
    django.setup()
    result = seed(args.factor, args.refresh_tokens) if args.what == "seed" else queries()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
