"""Third-party phone numbers and e-mails never reach a log line — even the SQL debug log of a
full flow, which carries every query parameter."""
from __future__ import annotations

import io
import logging

import pytest
from django.db import connection

PHONE_TYPED, PHONE_E164 = "06-87654321", "+31687654321"
EMAIL = "anne.devries@ziggo.nl"


@pytest.fixture
def log_output():
    """What our configured console handler (with its filters) writes, with SQL debug logging on."""
    handler = next(h for h in logging.getLogger("django").handlers if isinstance(h, logging.StreamHandler))
    buffer = io.StringIO()
    old_stream = handler.setStream(buffer)
    logger = logging.getLogger("django.db.backends")
    before = logger.level
    logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    yield buffer
    connection.force_debug_cursor = False
    logger.setLevel(before)
    handler.setStream(old_stream)


@pytest.mark.django_db
def test_a_full_flow_logs_no_contact_details(bank, client_for, log_output) -> None:
    emma, sam = client_for(bank.emma), client_for(bank.sam)

    bad = emma.post("/api/v1/signals/", {"text": "bel haar", "contact": {"phone": "06-8765", "email": EMAIL}},
                    format="json")
    created = emma.post("/api/v1/signals/", {
        "text": f"Buurvrouw wil hypotheek, bel {PHONE_TYPED} of mail {EMAIL}",
        "contact": {"name": "Anne", "phone": PHONE_TYPED, "email": EMAIL}, "contact_consent": True,
    }, format="json").json()
    sam.post(f"/api/v1/signals/{created['id']}/claim/")
    sam.get(f"/api/v1/signals/{created['id']}/")
    sam.post(f"/api/v1/signals/{created['id']}/transitions/", {"to": "contacted", "note": f"called {PHONE_TYPED}"},
             format="json")
    logged = log_output.getvalue()
    assert bad.status_code == 400
    assert "INSERT INTO" in logged  # the SQL log really ran, with its parameters
    for secret in (PHONE_TYPED, PHONE_E164, EMAIL, "87654321"):
        assert secret not in logged
