"""Routing reads the admin-edited rules and the triage team on every submission and keeps nothing:
a change saved in the admin, or written by any other process, applies to the very next one."""
from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from django.test import Client

from backend.listening import routing
from backend.listening.models import RoutingRule, Signal
from tests.factories import UserFactory

URL = "/api/v1/signals/"
LEAD_NL = "Mijn buurman wil zijn hypotheek oversluiten naar jullie, kan iemand hem bellen?"


def _route_lead(*, confidence: float = 0.95) -> routing.RoutingDecision:
    return routing.route(text=LEAD_NL, chosen=None, predicted="lead", confidence=confidence,
                         scores={"lead": confidence}, language="nl", topics=[])


def _submit_lead(client) -> Signal:
    response = client.post(URL, {"text": LEAD_NL, "kind": "lead"}, format="json")
    assert response.status_code == 201, response.content
    return Signal.objects.select_related("team").get(pk=response.json()["id"])


def _in_another_process(sql: str, params: tuple[object, ...]) -> None:
    """Commit a change in a session of its own, as another server process (or psql) would: no model
    signal, nothing this process could have been told about."""
    params_of = connection.get_connection_params()
    conninfo = {k: params_of[k] for k in ("dbname", "user", "host", "port", "password") if params_of.get(k)}
    with psycopg.connect(**conninfo, autocommit=True) as other:
        other.execute(sql, params)


@pytest.mark.django_db
def test_a_rule_saved_in_the_admin_applies_to_the_very_next_submission(bank, client_for) -> None:
    employee = client_for(bank.emma)
    assert _submit_lead(employee).team == bank.sales_nl
    rule = RoutingRule.objects.get(kind="lead", team=bank.sales_nl)
    browser = Client()
    browser.force_login(UserFactory.create(role="admin", is_staff=True, is_superuser=True))

    saved = browser.post(f"/admin/listening/routingrule/{rule.pk}/change/", {
        "priority": rule.priority, "kind": "lead", "language": "", "keyword": "",
        "team": bank.sales_dk.pk, "active": "on",
    })

    assert saved.status_code == 302, saved.content
    signal = _submit_lead(employee)
    assert signal.team == bank.sales_dk and not signal.in_triage
    assert f"rule #{rule.pk}" in signal.routing_reason


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rules_and_triage_changed_by_another_process_apply_to_the_very_next_submission(
    bank, client_for,
) -> None:
    employee = client_for(bank.emma)
    assert _submit_lead(employee).team == bank.sales_nl
    assert _route_lead(confidence=0.3).team == bank.triage

    _in_another_process("UPDATE listening_routingrule SET team_id = %s WHERE kind = 'lead' AND team_id = %s",
                        (bank.support.pk, bank.sales_nl.pk))
    _in_another_process("UPDATE people_team SET is_triage = (id = %s)", (bank.marketing.pk,))

    assert _submit_lead(employee).team == bank.support
    unsure = _route_lead(confidence=0.3)
    assert unsure.team == bank.marketing and unsure.in_triage

    _in_another_process("UPDATE listening_routingrule SET active = false WHERE kind = 'lead'", ())
    unrouted = _submit_lead(employee)
    assert unrouted.team == bank.marketing and unrouted.in_triage
    assert "no routing rule for lead/nl" in unrouted.routing_reason


@pytest.mark.django_db
def test_routing_costs_one_statement_when_a_rule_matches_and_two_for_triage(
    bank, django_assert_num_queries,
) -> None:
    """The price of keeping nothing: the rules for the kind (team joined) on every submission, the
    triage team only when a person must look first."""
    with django_assert_num_queries(1):
        assert _route_lead().team == bank.sales_nl
    with django_assert_num_queries(1):
        assert _route_lead(confidence=0.3).team == bank.triage  # unsure: no rules read
    RoutingRule.objects.filter(kind="lead").update(active=False)
    with django_assert_num_queries(2):
        decision = _route_lead()
    assert decision.team == bank.triage and decision.in_triage
