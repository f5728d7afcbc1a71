"""Issue 15 (low): tracked-link figures cannot be inflated from one address, and a network size
cannot claim more than a plausible number of connections."""
from __future__ import annotations

import pytest

from backend.insights import selectors as insights
from backend.sharing.models import Click
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db


def test_thirty_user_agents_from_one_address_are_one_visitor_and_few_clicks(client, settings) -> None:
    share = ShareFactory.create(code="Infl4te01")

    answers = [client.get("/s/Infl4te01", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT=f"Mozilla/5.0 Agent/{i}")
               for i in range(30)]

    assert {a.status_code for a in answers} == {302}  # every visitor still reaches the story
    assert Click.objects.filter(share=share).count() == settings.RELAY_CLICKS_PER_VISITOR_HOUR
    assert Click.objects.filter(share=share).values("visitor_key").distinct().count() == 1
    row = next(r for r in insights.sharing_figures(by="story") if r["key"] == str(share.story_id))
    assert row["unique_visitors"] == 1


def test_another_address_still_counts_as_another_visitor(client) -> None:
    share = ShareFactory.create(code="Infl4te02")

    for address in ("203.0.113.10", "203.0.113.11"):
        client.get("/s/Infl4te02", REMOTE_ADDR=address, HTTP_USER_AGENT="Mozilla/5.0")

    assert Click.objects.filter(share=share).values("visitor_key").distinct().count() == 2


def test_a_network_size_above_thirty_thousand_is_refused(bank, client_for) -> None:
    client = client_for(bank.emma)

    too_many = client.patch("/api/v1/me/", {"channels": [{"channel": "linkedin", "network_size": 30_001}]},
                            format="json")
    the_limit = client.patch("/api/v1/me/", {"channels": [{"channel": "linkedin", "network_size": 30_000}]},
                             format="json")

    assert too_many.status_code == 400 and "channels" in too_many.json()["error"]["fields"]
    assert the_limit.status_code == 200
