"""Who may do what with a signal: every signal endpoint × every role, on a lead and on a complaint.

Objects a person may not see answer 404 (not 403), so their existence does not leak.
"""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.people import services as people_services
from tests.factories import SignalFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["submitter", "other_employee", "sales_same_team", "sales_other_team", "support", "recruitment",
         "editor", "alumni", "admin", "anonymous", "deactivated"]


def clients(bank, client_for) -> dict[str, APIClient]:
    gone = UserFactory.create(role="sales")
    client = {
        "submitter": client_for(bank.emma), "other_employee": client_for(bank.lars),
        "sales_same_team": client_for(bank.sam), "sales_other_team": client_for(bank.rasmus),
        "support": client_for(bank.sofie), "recruitment": client_for(bank.rita), "editor": client_for(bank.mark),
        "alumni": client_for(bank.olga), "admin": client_for(bank.admin), "anonymous": APIClient(),
        "deactivated": client_for(gone),
    }
    people_services.person_deactivate(user=gone)
    return client


# Expected statuses for a NEW lead routed to Sales NL, submitted by Emma.
LEAD_MATRIX = {
    #                   detail claim transition note reroute withdraw
    "submitter":        (200,   404,  404,       404, 404,    200),
    "other_employee":   (404,   404,  404,       404, 404,    404),
    "sales_same_team":  (200,   200,  200,       201, 200,    404),
    "sales_other_team": (404,   404,  404,       404, 404,    404),
    "support":          (404,   404,  404,       404, 404,    404),
    "recruitment":      (404,   404,  404,       404, 404,    404),
    "editor":           (404,   404,  404,       404, 404,    404),
    "alumni":           (404,   404,  404,       404, 404,    404),
    "admin":            (200,   200,  200,       201, 200,    404),
    "anonymous":        (401,   401,  401,       401, 401,    401),
    "deactivated":      (401,   401,  401,       401, 401,    401),
}

# A complaint routed to Support: sales must never see it.
COMPLAINT_MATRIX = {
    "submitter":        (200,   404,  404,       404, 404,    200),
    "other_employee":   (404,   404,  404,       404, 404,    404),
    "sales_same_team":  (404,   404,  404,       404, 404,    404),
    "sales_other_team": (404,   404,  404,       404, 404,    404),
    "support":          (200,   200,  200,       201, 200,    404),
    "recruitment":      (404,   404,  404,       404, 404,    404),
    "editor":           (404,   404,  404,       404, 404,    404),
    "alumni":           (404,   404,  404,       404, 404,    404),
    "admin":            (200,   200,  200,       201, 200,    404),
    "anonymous":        (401,   401,  401,       401, 401,    401),
    "deactivated":      (401,   401,  401,       401, 401,    401),
}


def call_each_endpoint(client: APIClient, make_signal, move_to: str, team_id: int) -> tuple[int, ...]:
    # A fresh signal per call, so that one call's effect (a claim, a withdrawal) cannot mask another's.
    def fresh() -> int:
        return make_signal().id

    return (
        client.get(f"/api/v1/signals/{fresh()}/").status_code,
        client.post(f"/api/v1/signals/{fresh()}/claim/").status_code,
        client.post(f"/api/v1/signals/{fresh()}/transitions/", {"to": move_to}, format="json").status_code,
        client.post(f"/api/v1/signals/{fresh()}/notes/", {"text": "called"}, format="json").status_code,
        client.post(f"/api/v1/signals/{fresh()}/reroute/", {"kind": "feedback"}, format="json").status_code,
        client.post(f"/api/v1/signals/{fresh()}/withdraw/").status_code,
    )


@pytest.mark.parametrize("role", ROLES)
def test_lead_matrix(bank, client_for, role) -> None:
    client = clients(bank, client_for)[role]

    got = call_each_endpoint(
        client, lambda: SignalFactory.create(team=bank.sales_nl, kind="lead", submitter=bank.emma), "claimed",
        bank.sales_nl.id,
    )

    assert got == LEAD_MATRIX[role]


@pytest.mark.parametrize("role", ROLES)
def test_complaint_matrix(bank, client_for, role) -> None:
    client = clients(bank, client_for)[role]

    got = call_each_endpoint(
        client, lambda: SignalFactory.create(team=bank.support, kind="complaint", submitter=bank.emma), "acknowledged",
        bank.support.id,
    )

    assert got == COMPLAINT_MATRIX[role]


QUEUE_ACCESS = {
    "submitter": 404, "other_employee": 404, "sales_same_team": 200, "sales_other_team": 404, "support": 404,
    "recruitment": 404, "editor": 404, "alumni": 404, "admin": 200, "anonymous": 401, "deactivated": 401,
}


@pytest.mark.parametrize("role", ROLES)
def test_sales_nl_queue_access(bank, client_for, role) -> None:
    SignalFactory.create(team=bank.sales_nl)

    status = clients(bank, client_for)[role].get(f"/api/v1/queues/{bank.sales_nl.id}/signals/").status_code

    assert status == QUEUE_ACCESS[role]


@pytest.mark.parametrize("role", ROLES)
def test_mine_never_shows_other_peoples_signals(bank, client_for, role) -> None:
    emma_signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma)

    response = clients(bank, client_for)[role].get("/api/v1/signals/mine/")

    if role in ("anonymous", "deactivated"):
        assert response.status_code == 401
        return
    ids = [s["id"] for s in response.json()["results"]]
    assert ids == ([emma_signal.id] if role == "submitter" else [])
