"""The demo organisation's routing rules (from `fixtures/demo/organisation.json`), idempotently."""
from __future__ import annotations

from typing import Any

from django.db import transaction

from backend.listening.models import RoutingRule
from backend.people.models import Team


@transaction.atomic
def demo_routing_load(*, data: dict[str, Any]) -> int:
    teams = {t.slug: t for t in Team.objects.all()}
    for rule in data.get("routing_rules", []):
        RoutingRule.objects.update_or_create(
            kind=rule["kind"], language=rule["language"], keyword=rule["keyword"], priority=rule["priority"],
            defaults={"team": teams[rule["team"]], "active": True},
        )
    return len(data.get("routing_rules", []))
