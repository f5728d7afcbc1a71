"""Deciding where a new signal goes, from the classifier's verdict and the admin-edited rules."""
from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from backend.listening.models import RoutingRule
from backend.people.models import Team


@dataclass(frozen=True)
class RoutingDecision:
    kind: str
    team: Team | None  # None only when no triage team exists either
    in_triage: bool
    reason: str


def _kind_decision(*, chosen: str | None, predicted: str, confidence: float, scores: dict[str, float]) -> tuple[str, bool, str]:
    """Which kind, and whether a human must look first.

    The employee heard the conversation and the model did not, so the employee's choice wins —
    unless the model is very sure of another kind and gives the chosen one almost no chance.
    """
    threshold: float = settings.RELAY_ROUTING_CONFIDENCE_THRESHOLD
    if chosen:
        if chosen == predicted:
            return chosen, False, f"employee chose {chosen}, classifier agrees"
        if confidence >= settings.RELAY_ROUTING_DISAGREEMENT_CONFIDENCE and scores.get(chosen, 0.0) < 0.1:
            return chosen, True, f"employee chose {chosen}, classifier strongly says {predicted}"
        return chosen, False, f"employee chose {chosen}"
    if confidence < threshold:
        return predicted, True, f"classifier unsure ({confidence:.2f} < {threshold:.2f})"
    return predicted, False, f"classifier: {predicted} ({confidence:.2f})"


def _rule_matches(rule: RoutingRule, *, kind: str, language: str, text: str, topics: list[str]) -> bool:
    if rule.kind != kind or (rule.language and rule.language != language):
        return False
    if rule.keyword:
        keyword = rule.keyword.lower()
        return keyword in (t.lower() for t in topics) or keyword in text.lower()
    return True


class _RuleCache:
    """The active rules and the triage team, read once per process and kept for a few seconds.

    Every submission needs them and an admin changes them a few times a year, so reading them per
    request was two of a submission's statements. A save or delete of a rule or a team in this
    process forgets them at once (signals wired in `apps.py`); another process's change, or an
    `update()` that sends no signal, is seen within RELAY_ROUTING_CACHE_SECONDS.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._entry: tuple[float, list[RoutingRule], Team | None] | None = None

    def get(self) -> tuple[list[RoutingRule], Team | None]:
        entry = self._entry
        if entry is None or time.monotonic() - entry[0] >= settings.RELAY_ROUTING_CACHE_SECONDS:
            generation = self._generation
            read_at = time.monotonic()
            rules = list(RoutingRule.objects.filter(active=True).select_related("team").order_by("priority", "id"))
            triage = Team.objects.filter(is_triage=True).order_by("id").first()
            entry = (read_at, rules, triage)
            with self._lock:
                # A change that landed while we were reading wins: keep nothing that may predate it.
                if generation == self._generation:
                    self._entry = entry
        return entry[1], entry[2]

    def forget(self, **_: Any) -> None:
        with self._lock:
            self._generation += 1
            self._entry = None


rule_cache = _RuleCache()


def rules_changed(**_: Any) -> None:
    """A rule or a team was saved or deleted (model signal): forget now, and again at commit — a
    request that read in between could not yet see the change and may have kept the old rules."""
    rule_cache.forget()
    transaction.on_commit(rule_cache.forget)


def _own(team: Team | None) -> Team | None:
    # Each decision gets its own copy: the cached instance is shared by every request thread.
    return copy.copy(team) if team is not None else None


def route(
    *, text: str, chosen: str | None, predicted: str, confidence: float, scores: dict[str, float],
    language: str, topics: list[str],
) -> RoutingDecision:
    kind, needs_human, reason = _kind_decision(chosen=chosen, predicted=predicted, confidence=confidence, scores=scores)
    rules, triage = rule_cache.get()
    if not needs_human:
        for rule in rules:
            if _rule_matches(rule, kind=kind, language=language, text=text, topics=topics):
                return RoutingDecision(kind, _own(rule.team), False, f"{reason}; rule #{rule.pk}: {rule}"[:200])
        reason = f"{reason}; no routing rule for {kind}/{language}"
    return RoutingDecision(kind, _own(triage), True, reason[:200])
