"""The console's webhook page (issue 18): team leads and admins only; recent deliveries with status,
code and latency; a failed delivery re-sent with one click through the outbox."""
from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import WebhookDelivery, WebhookSubscription
from tests.integrations.conftest import new_secret, subscribe
from tests.integrations.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_targets_allowed(settings, eager_tasks: None) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True


def test_a_team_lead_subscribes_and_sees_the_secret_once(bank, browser_for) -> None:
    client = browser_for(bank.pieter)
    response = client.post(reverse("console:webhooks"), {
        "team": bank.sales_nl.pk, "url": "https://crm.example/hooks", "events": ["signal.routed", "signal.claimed"],
    }, follow=True)
    sub = WebhookSubscription.objects.get()
    assert (sub.team, sub.url, sub.events) == (bank.sales_nl, "https://crm.example/hooks",
                                               ["signal.routed", "signal.claimed"])
    assert sub.secret.startswith("whsec_") and sub.secret in response.content.decode()
    assert sub.secret not in client.get(reverse("console:webhooks")).content.decode()


def test_plain_http_is_refused(bank, browser_for) -> None:
    browser_for(bank.pieter).post(reverse("console:webhooks"), {
        "team": bank.sales_nl.pk, "url": "http://crm.example/hooks", "events": ["signal.routed"]})
    assert WebhookSubscription.objects.count() == 0


def test_an_agent_is_not_shown_the_page_and_cannot_resend(bank, browser_for) -> None:
    sub = subscribe(bank.sales_nl, "https://crm.example/hooks", secret=new_secret())
    row = WebhookDelivery.objects.create(subscription=sub, type="signal.routed", msg_id="msg_x", sequence=1,
                                         ordering_key="signal:1", state="failed")
    client = browser_for(bank.sam)
    assert client.get(reverse("console:webhooks")).status_code == 403
    assert client.post(reverse("console:webhook-resend", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.state == "failed"


def test_a_failed_delivery_is_re_sent_with_one_click(bank, browser_for, django_capture_on_commit_callbacks) -> None:
    receiver = Receiver(secret=new_secret()).start()
    try:
        sub = subscribe(bank.sales_nl, receiver.url, secret=receiver.secret)
        row = WebhookDelivery.objects.create(
            subscription=sub, type="signal.routed", msg_id="msg_resend", sequence=1, ordering_key="signal:1",
            state="failed", attempts=5, response_code=503, latency_ms=12, payload={"type": "signal.routed", "data": {}},
        )
        client = browser_for(bank.pieter)
        page = client.get(reverse("console:webhooks")).content.decode()
        assert "503" in page and "Re-send" in page

        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("console:webhook-resend", args=[row.pk]))

        row.refresh_from_db()
        assert (row.state, row.response_code, row.attempts) == ("delivered", 204, 6)
        assert list(receiver.applied) == ["msg_resend"]
    finally:
        receiver.stop()


def test_rotating_keeps_the_old_secret_signing_for_a_while(bank, browser_for) -> None:
    sub = subscribe(bank.sales_nl, "https://crm.example/hooks", secret=new_secret())
    old = sub.secret
    browser_for(bank.admin).post(reverse("console:webhook-rotate", args=[sub.pk]))
    sub.refresh_from_db()
    assert sub.secret != old and sub.previous_secret == old and sub.previous_secret_until is not None


def test_the_signal_page_shows_its_external_ids(bank, browser_for) -> None:
    from tests.factories import SignalFactory

    signal = SignalFactory.create(team=bank.sales_nl, submitter=bank.emma, external_refs={"hubspot-sales": "deal-981"})
    html = browser_for(bank.sam).get(reverse("console:signal", args=[signal.pk])).content.decode()
    assert "hubspot-sales: deal-981" in html
