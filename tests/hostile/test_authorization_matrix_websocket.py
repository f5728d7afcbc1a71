"""Authorization matrix, the websocket (issue 15): on a real uvicorn with the Redis layer, who may
connect, which queues each role joins, and that a queue of another team cannot be subscribed to.
Apart from test_authorization_matrix.py because it needs committed data: the server reads on its own
connection, which that module's rolled-back world cannot give it."""
from __future__ import annotations

import json

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from backend.people import services as people_services
from tests.factories import UserFactory
from tests.notifications.test_websocket import server  # noqa: F401 - a fixture: uvicorn on 127.0.0.1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_websocket_matrix(server, bank) -> None:  # noqa: F811 - the fixture
    from websockets.sync.client import connect

    from tests.notifications.test_websocket import close_code

    deactivated = UserFactory.create(email="gone@bank.test")
    deactivated_token = str(RefreshToken.for_user(deactivated).access_token)
    people_services.person_deactivate(user=deactivated)
    queues = {  # role -> (person, the queues they join)
        "employee": (bank.emma, []), "alumni": (bank.olga, []), "editor": (bank.mark, [bank.marketing.pk]),
        "sales": (bank.sam, [bank.sales_nl.pk]), "support": (bank.sofie, [bank.support.pk]),
        "recruitment": (bank.rita, [bank.recruitment.pk]),
        "admin": (bank.admin, sorted(t.pk for t in (bank.sales_nl, bank.sales_dk, bank.support, bank.recruitment,
                                                     bank.marketing, bank.triage))),
    }
    wrong: dict[str, object] = {}
    for role, (person, expected) in queues.items():
        token = RefreshToken.for_user(person).access_token
        with connect(server, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            welcome = json.loads(ws.recv(timeout=5))
            # A queue outside the person's teams (an admin sees every queue: it then asks for one it has).
            foreign = next((t for t in (bank.sales_dk.pk, bank.support.pk) if t not in expected), bank.support.pk)
            ws.send(json.dumps({"type": "subscribe", "queue": foreign}))
            answer = json.loads(ws.recv(timeout=5))
        refused = {"type": "error", "code": "not_found", "message": "No such queue."}
        if welcome.get("queues") != expected or answer != (
                {"type": "subscribed", "queue": foreign} if role == "admin" else refused):
            wrong[role] = (welcome, answer)
    for role, headers in (("anonymous", {}), ("deactivated", {"Authorization": f"Bearer {deactivated_token}"})):
        with connect(server, additional_headers=headers) as ws:
            if (code := close_code(ws)) != 4401:
                wrong[role] = code

    assert not wrong, wrong
