"""What the employee and the editors see once a CRM reports back (issue 18)."""
from __future__ import annotations

import pytest

from tests.factories import CampaignFactory, SignalFactory, StoryFactory
from tests.integrations.conftest import connect
from tests.integrations.test_inbound_events import post, won

pytestmark = pytest.mark.django_db


def test_a_won_lead_shows_in_my_signals_my_figures_and_the_campaigns_figures(
    bank, api_client, client_for, django_capture_on_commit_callbacks,
) -> None:
    campaign = CampaignFactory.create(kpi_targets={"leads": 4, "won_leads": 2})
    story = StoryFactory.create(campaign=campaign)
    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, status="contacted", story_ref=story.pk)
    SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, story_ref=story.pk)  # a lead still open
    SignalFactory.create(team=bank.support, submitter=bank.emma, kind="complaint", story_ref=story.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(api_client, connect(bank.sales_nl), won(signal)).status_code == 200

    mine = client_for(bank.emma).get("/api/v1/signals/mine/").json()["results"]
    assert {s["id"]: s["status_text"] for s in mine}[signal.pk] == "Het is klant geworden. Dank je!"
    figures = client_for(bank.emma).get("/api/v1/me/figures/").json()
    assert (figures["became_customers"], figures["became_hires"]) == (1, 0)
    progress = client_for(bank.mark).get(f"/api/v1/campaigns/{campaign.pk}/").json()["progress"]
    assert progress == [{"kpi": "leads", "target": 4, "actual": 2, "progress": 0.5},
                        {"kpi": "won_leads", "target": 2, "actual": 1, "progress": 0.5}]
