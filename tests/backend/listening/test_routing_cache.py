"""The routing rules a process keeps between submissions: read once, forgotten on a change here,
re-read after RELAY_ROUTING_CACHE_SECONDS for a change made elsewhere (another server process, or
an `update()` that sends no model signal)."""
from __future__ import annotations

import types

import pytest
from django.db.models import QuerySet

from backend.listening import routing
from backend.listening.models import RoutingRule, Signal

pytestmark = pytest.mark.django_db
URL = "/api/v1/signals/"
LEAD_NL = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen?"


def _route_lead() -> routing.RoutingDecision:
    return routing.route(text=LEAD_NL, chosen="lead", predicted="lead", confidence=0.95,
                         scores={"lead": 0.95}, language="nl", topics=[])


@pytest.fixture
def clock(monkeypatch) -> types.SimpleNamespace:  # type: ignore[no-untyped-def]
    """routing's own clock, moved by hand."""
    now = types.SimpleNamespace(t=1000.0)
    monkeypatch.setattr(routing, "time", types.SimpleNamespace(monotonic=lambda: now.t))
    return now


def test_a_second_submission_reads_no_rules(bank, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    assert _route_lead().team == bank.sales_nl
    with django_assert_num_queries(0):
        assert _route_lead().team == bank.sales_nl
        unsure = routing.route(text=LEAD_NL, chosen=None, predicted="lead", confidence=0.3, scores={"lead": 0.3},
                               language="nl", topics=[])
        assert unsure.team == bank.triage and unsure.in_triage


def test_a_rule_saved_in_this_process_applies_to_the_next_submission(bank, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(bank.emma)
    first = client.post(URL, {"text": LEAD_NL}, format="json").json()
    assert first["team"]["id"] == bank.sales_nl.pk

    rule = RoutingRule.objects.get(kind="lead", team=bank.sales_nl)
    rule.team = bank.sales_dk
    rule.save()  # what the admin does

    second = client.post(URL, {"text": LEAD_NL}, format="json").json()
    assert second["team"]["id"] == bank.sales_dk.pk
    assert Signal.objects.get(pk=second["id"]).team == bank.sales_dk


def test_a_renamed_or_deleted_team_is_not_served_from_memory(bank) -> None:  # type: ignore[no-untyped-def]
    assert _route_lead().team.name == "Sales NL"
    bank.sales_nl.name = "Sales Nederland"
    bank.sales_nl.save()
    assert _route_lead().team.name == "Sales Nederland"

    RoutingRule.objects.filter(kind="lead", language="").delete()  # a bulk delete sends post_delete too
    decision = _route_lead()
    assert decision.team == bank.triage and decision.in_triage


def test_a_change_made_elsewhere_is_seen_after_the_cache_time(bank, clock, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RELAY_ROUTING_CACHE_SECONDS = 10
    assert _route_lead().team == bank.sales_nl
    # update() sends no signal: as far as this process knows, nothing changed (another server did it).
    RoutingRule.objects.filter(kind="lead", team=bank.sales_nl).update(team=bank.sales_dk)

    clock.t += 9
    assert _route_lead().team == bank.sales_nl
    clock.t += 1
    assert _route_lead().team == bank.sales_dk


def test_a_read_that_raced_a_change_is_not_kept(bank, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A read that started before a save and finished after it must not be cached as current."""
    real_first = routing.Team.objects.filter(is_triage=True).order_by("id").first
    calls = []

    def save_during_read(self):  # type: ignore[no-untyped-def]
        # Runs between the rules query and the triage query of the cache's read.
        if not calls:
            calls.append(1)
            RoutingRule.objects.filter(kind="lead", team=bank.sales_nl).update(team=bank.sales_dk)
            routing.rule_cache.forget()
        return real_first()

    with monkeypatch.context() as patched:  # only this read; the suite's own patches stay
        patched.setattr(QuerySet, "first", save_during_read)
        assert _route_lead().team == bank.sales_nl  # this answer was read before the change …
    assert _route_lead().team == bank.sales_dk  # … so it was not kept


def test_each_decision_has_its_own_team_instance(bank) -> None:  # type: ignore[no-untyped-def]
    one, two = _route_lead().team, _route_lead().team
    assert one == two and one is not two


def test_the_rules_are_read_again_after_the_saving_transaction_commits(
    bank, django_capture_on_commit_callbacks, django_assert_num_queries,
) -> None:  # type: ignore[no-untyped-def]
    """Between a save and its commit, other requests still see the old rules and may keep them:
    the commit forgets them once more."""
    with django_capture_on_commit_callbacks(execute=True):
        rule = RoutingRule.objects.get(kind="lead", team=bank.sales_nl)
        rule.keyword = "hypotheek"
        rule.save()
        _route_lead()  # what another request would keep while the transaction is open
        with django_assert_num_queries(0):
            _route_lead()
    with django_assert_num_queries(2):  # rules and triage team, read again
        _route_lead()
