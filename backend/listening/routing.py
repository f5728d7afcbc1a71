"""Deciding where a new signal goes, from the classifier's verdict and the admin-edited rules."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

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


def route(
    *, text: str, chosen: str | None, predicted: str, confidence: float, scores: dict[str, float],
    language: str, topics: list[str],
) -> RoutingDecision:
    """Read per call, never kept: an admin's change applies to the very next submission in every
    process. One statement when a rule matches, two when the signal goes to triage."""
    kind, needs_human, reason = _kind_decision(chosen=chosen, predicted=predicted, confidence=confidence, scores=scores)
    if not needs_human:
        rules = (
            RoutingRule.objects.filter(Q(language="") | Q(language=language), active=True, kind=kind)
            .select_related("team").order_by("priority", "id")
        )
        for rule in rules:
            if _rule_matches(rule, kind=kind, language=language, text=text, topics=topics):
                return RoutingDecision(kind, rule.team, False, f"{reason}; rule #{rule.pk}: {rule}"[:200])
        reason = f"{reason}; no routing rule for {kind}/{language}"
    triage = Team.objects.filter(is_triage=True).order_by("id").first()
    return RoutingDecision(kind, triage, True, reason[:200])
