"""Norwegian and Swedish signals: recognised, marked as such, routed by the fallback language (issue 19)."""
from __future__ import annotations

import pytest

from backend.listening.models import Signal

URL = "/api/v1/signals/"
LEAD_NO = "naboen min lurer på om han kan få boliglån hos dere, kan noen ringe ham i morgen?"


@pytest.mark.django_db
def test_a_norwegian_lead_keeps_its_language_and_is_routed_by_the_fallback_language(bank, client_for, settings) -> None:
    settings.RELAY_NLP_FALLBACK_LANGUAGE = "da"
    response = client_for(bank.lars).post(URL, {"text": LEAD_NO, "kind": "lead"}, format="json")
    assert response.status_code == 201, response.content
    signal = Signal.objects.select_related("team").get(pk=response.json()["id"])
    assert signal.language == "no"
    assert signal.team == bank.sales_dk  # the Danish lead rule, not the catch-all Dutch one
    assert signal.model_version.startswith("kind-lin-")
