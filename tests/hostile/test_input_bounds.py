"""Issue 15.7: four inputs that gave a 500. Each answers a 400 in the one error shape now."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from backend.console.access import SESSION_LANGUAGE
from backend.sharing.models import CampaignGoal
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db


def _nested(depth: int) -> str:
    return '{"email": ' + "[" * depth + "]" * depth + ', "password": "x"}'


def test_a_login_body_nested_50000_deep_is_a_400_not_a_recursion_error(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/auth/token/", data=_nested(50_000), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_json_deeper_than_the_bound_is_refused_and_shallower_json_still_parses(api_client: APIClient) -> None:
    too_deep = api_client.post("/api/v1/auth/token/", data=_nested(40), content_type="application/json")
    shallow = api_client.post("/api/v1/auth/token/", data=_nested(3), content_type="application/json")

    assert too_deep.status_code == 400 and too_deep.json()["error"]["code"] == "malformed_request"
    assert shallow.status_code in (400, 401) and shallow.json()["error"]["code"] != "malformed_request"


def test_a_story_id_beyond_bigint_is_a_400_naming_the_field(bank, client_for: Callable[..., APIClient]) -> None:
    response = client_for(bank.emma).post("/api/v1/signals/", {
        "text": "Mijn buurman wil een hypotheek", "story": 9223372036854775808,
    }, format="json")

    assert response.status_code == 400
    assert "story" in response.json()["error"]["fields"]


@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775808", "0", "-1", "١٢"])
def test_an_assignee_filter_out_of_range_is_a_400(bank, client_for: Callable[..., APIClient], value: str) -> None:
    response = client_for(bank.sam).get(f"/api/v1/queues/{bank.sales_nl.pk}/signals/?assignee={value}")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"assignee": ["Ongeldige waarde."]}  # Sam reads Dutch


def test_the_largest_id_is_still_a_valid_filter(bank, client_for: Callable[..., APIClient]) -> None:
    response = client_for(bank.sam).get(f"/api/v1/queues/{bank.sales_nl.pk}/signals/?assignee=9223372036854775807")

    assert response.status_code == 200 and response.json()["results"] == []


def test_other_client_integers_are_bounded(bank, client_for: Callable[..., APIClient]) -> None:
    editor = client_for(bank.mark)
    story = StoryFactory.create()

    campaign = editor.post("/api/v1/campaigns/", {"name": "Big", "goal": CampaignGoal.values[0],
                                                  "kpi_targets": {"clicks": 2**40}}, format="json")
    stories = editor.get("/api/v1/stories/?campaign=99999999999999999999999")
    me = client_for(bank.emma).patch("/api/v1/me/", {"channels": [{"channel": "linkedin", "network_size": 30_001}]},
                                     format="json")
    path = client_for(bank.emma).get(f"/api/v1/stories/{2**70}/")

    assert campaign.status_code == 400 and set(campaign.json()["error"]["fields"]) == {"kpi_targets"}
    # Field messages are in the person's language (this editor reads Dutch).
    assert stories.status_code == 400 and stories.json()["error"]["fields"] == {"campaign": ["Ongeldige waarde."]}
    assert me.status_code == 400 and set(me.json()["error"]["fields"]) == {"channels"}
    assert path.status_code == 404
    assert story.pk  # the story exists, so the 404 above is about the id, not an empty table


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "1999-12-31", "2026-13-01"])
def test_an_insights_week_out_of_range_is_a_400(bank, week: str) -> None:
    browser = Client()
    browser.force_login(bank.mark)
    session = browser.session
    session[SESSION_LANGUAGE] = "en"
    session.save()

    response = browser.get(reverse("console:insights-drill") + f"?week={week}")

    assert response.status_code == 400
