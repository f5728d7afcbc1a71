"""Every console page, per role: what the API would let the person see, and nothing else.

Objects a person may not see answer 404; pages for another role answer 403 (the API's role gate);
anonymous visitors are sent to the sign-in page. Refused writes change nothing.
"""
from __future__ import annotations

import pytest
from django.urls import reverse

from backend.listening.models import Signal
from tests.factories import CampaignFactory, SignalContactFactory, SignalFactory, StoryDraftFactory, StoryFactory

pytestmark = pytest.mark.django_db

ROLES = ["emma", "olga", "mark", "sam", "sofie", "rita", "admin", "anonymous"]
EDITOR_OK = {"mark", "admin"}


def person(bank, name):
    return None if name == "anonymous" else getattr(bank, name)


@pytest.fixture
def objects(bank):
    lead = SignalFactory.create(submitter=bank.emma, kind="lead", team=bank.sales_nl, text="Buurman wil hypotheek")
    SignalContactFactory.create(signal=lead, name="Piet Jansen", phone="+31612345678")
    complaint = SignalFactory.create(submitter=bank.emma, kind="complaint", team=bank.support, text="Pas geblokkeerd")
    SignalContactFactory.create(signal=complaint, name="Karin", phone="+31687654321")
    unsure = SignalFactory.create(submitter=bank.lars, kind="feedback", team=bank.triage, in_triage=True, confidence=0.4,
                           scores={"feedback": 0.4, "complaint": 0.35, "lead": 0.25})
    campaign = CampaignFactory.create(owner=bank.mark)
    story = StoryFactory.create(created_by=bank.mark, campaign=campaign)
    draft = StoryDraftFactory.create(author=bank.emma)
    return {"lead": lead, "complaint": complaint, "unsure": unsure, "campaign": campaign, "story": story,
            "draft": draft}


EDITOR_PAGES = [
    ("console:stories", None), ("console:story-new", None), ("console:story", "story"),
    ("console:campaigns", None), ("console:campaign", "campaign"), ("console:drafts", None),
    ("console:figures", None), ("console:figures-export", None), ("console:insights", None),
    ("console:insights-drill", None),
]


@pytest.mark.parametrize("name", ROLES)
@pytest.mark.parametrize(("url_name", "obj"), EDITOR_PAGES)
def test_editor_pages_are_for_editors_and_admins(bank, objects, browser_for, name, url_name, obj) -> None:
    url = reverse(url_name, args=[objects[obj].pk] if obj else [])

    response = browser_for(person(bank, name)).get(url)

    if name == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/console/login/?next=")
    elif name in EDITOR_OK:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("name", ROLES)
def test_a_sales_queue_is_for_its_team_and_admins(bank, objects, browser_for, name) -> None:
    response = browser_for(person(bank, name)).get(reverse("console:queue", args=[bank.sales_nl.pk]))

    expected = {"sam": 200, "admin": 200, "anonymous": 302}.get(name, 404)
    assert response.status_code == expected
    if expected == 200:
        assert f'id="signal-{objects["lead"].pk}"' in response.content.decode()


@pytest.mark.parametrize("name", ROLES)
def test_a_lead_and_its_contact_are_for_the_handling_team_only(bank, objects, browser_for, name) -> None:
    response = browser_for(person(bank, name)).get(reverse("console:signal", args=[objects["lead"].pk]))

    expected = {"sam": 200, "admin": 200, "anonymous": 302}.get(name, 404)
    assert response.status_code == expected
    body = response.content.decode()
    if expected == 200:
        assert "+31612345678" in body and "Piet Jansen" in body
    else:
        assert "+31612345678" not in body and "Piet Jansen" not in body


def test_the_submitter_does_not_get_the_team_desk_for_her_own_signal(bank, objects, browser_for) -> None:
    response = browser_for(bank.emma).get(reverse("console:signal", args=[objects["lead"].pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["sam", "rasmus", "mark", "emma"])
def test_sales_and_others_never_see_a_complaint(bank, objects, browser_for, name) -> None:
    response = browser_for(getattr(bank, name)).get(reverse("console:signal", args=[objects["complaint"].pk]))

    assert response.status_code == 404
    assert "+31687654321" not in response.content.decode()


@pytest.mark.parametrize("name", ["sofie", "rasmus", "mark", "emma", "olga"])
def test_claiming_another_teams_signal_is_a_404_and_changes_nothing(bank, objects, browser_for, name) -> None:
    response = browser_for(getattr(bank, name)).post(reverse("console:signal-claim", args=[objects["lead"].pk]))

    assert response.status_code == 404
    lead = Signal.objects.get(pk=objects["lead"].pk)
    assert lead.assignee_id is None and lead.status == "new"


@pytest.mark.parametrize("action", ["signal-transition", "signal-note", "signal-reroute"])
def test_writes_on_another_teams_signal_are_404s(bank, objects, browser_for, action) -> None:
    data = {"to": "resolved", "note": "x", "text": "x", "kind": "lead"}

    response = browser_for(bank.sam).post(reverse(f"console:{action}", args=[objects["complaint"].pk]), data)

    assert response.status_code == 404
    complaint = Signal.objects.get(pk=objects["complaint"].pk)
    assert (complaint.status, complaint.kind, complaint.events.count()) == ("new", "complaint", 0)


@pytest.mark.parametrize("name", ROLES + ["triager"])
def test_triage_is_for_the_triage_team_and_admins(bank, objects, browser_for, name) -> None:
    response = browser_for(person(bank, name)).get(reverse("console:triage"))

    expected = {"triager": 200, "admin": 200, "anonymous": 302}.get(name, 404)
    assert response.status_code == expected


@pytest.mark.parametrize("name", ROLES)
def test_home_and_queue_index_answer_everyone_signed_in(bank, objects, browser_for, name) -> None:
    client = browser_for(person(bank, name))

    home = client.get(reverse("console:home"))
    index = client.get(reverse("console:queues"))

    if name == "anonymous":
        assert home.status_code == index.status_code == 302
        return
    assert index.status_code == 200
    if name in ("sam", "sofie", "rita"):  # straight to their team's queue
        assert home.status_code == 302 and home["Location"].startswith("/console/queues/")
    else:
        assert home.status_code == 200


def test_an_unknown_story_is_a_404_for_an_editor(bank, browser_for) -> None:
    assert browser_for(bank.mark).get(reverse("console:story", args=[999999])).status_code == 404


@pytest.mark.parametrize("url_name", ["console:signal-claim", "console:ws-ticket", "console:language"])
def test_writes_need_post(bank, objects, browser_for, url_name) -> None:
    args = [objects["lead"].pk] if url_name == "console:signal-claim" else []

    assert browser_for(bank.sam).get(reverse(url_name, args=args)).status_code == 405


def test_posts_without_a_csrf_token_are_refused_and_change_nothing(bank, objects, browser_for) -> None:
    client = browser_for(bank.sam, csrf=True)

    refused = client.post(reverse("console:signal-claim", args=[objects["lead"].pk]))
    ticket = client.post(reverse("console:ws-ticket"))

    assert refused.status_code == 403 and ticket.status_code == 403
    assert Signal.objects.get(pk=objects["lead"].pk).assignee_id is None


def test_posts_with_the_csrf_token_of_the_page_go_through(bank, objects, browser_for) -> None:
    client = browser_for(bank.sam, csrf=True)
    page = client.get(reverse("console:queue", args=[bank.sales_nl.pk]))
    token = page.context["csrf_token"]

    response = client.post(reverse("console:signal-claim", args=[objects["lead"].pk]),
                           HTTP_X_CSRFTOKEN=str(token))

    assert response.status_code == 302
    assert Signal.objects.get(pk=objects["lead"].pk).assignee_id == bank.sam.pk


def test_the_ws_ticket_is_for_a_signed_in_session_only(bank, browser_for) -> None:
    from notifications.services import ws_ticket_redeem

    anonymous = browser_for(None).post(reverse("console:ws-ticket"))
    response = browser_for(bank.sam).post(reverse("console:ws-ticket"))

    assert anonymous.status_code == 302
    assert response.status_code == 201
    ticket = response.json()["ticket"]
    assert ws_ticket_redeem(key=ticket) == bank.sam
    assert ws_ticket_redeem(key=ticket) is None  # single use


def test_session_and_csrf_cookies_are_secure_with_debug_off(bank, settings) -> None:
    from django.test import Client

    from tests.factories import DEFAULT_PASSWORD

    assert settings.DEBUG is False
    client = Client()
    page = client.get(reverse("console:login"))
    response = client.post(reverse("console:login"), {"username": bank.sam.email, "password": DEFAULT_PASSWORD})

    assert page.status_code == 200
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] and response.cookies["sessionid"]["httponly"]
    assert response.cookies["csrftoken"]["secure"]


def test_a_wrong_password_does_not_sign_in(bank) -> None:
    from django.test import Client

    client = Client()
    response = client.post(reverse("console:login"), {"username": bank.sam.email, "password": "wrong"})

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert client.get(reverse("console:home")).status_code == 302


def test_sign_in_is_throttled_per_account_like_the_api(bank, settings) -> None:
    from django.test import Client

    from tests.factories import DEFAULT_PASSWORD

    rate = settings.LOGIN_BACKOFF_AFTER_FAILURES
    client = Client()
    for _ in range(rate):
        assert client.post(reverse("console:login"), {"username": bank.sam.email, "password": "wrong"}
                           ).status_code == 200

    refused = client.post(reverse("console:login"), {"username": bank.sam.email, "password": DEFAULT_PASSWORD})

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many attempts" in refused.content.decode()
    assert "sessionid" not in refused.cookies


def test_sign_in_attempts_through_the_api_and_the_console_count_together(bank, settings) -> None:
    from django.test import Client
    from rest_framework.test import APIClient

    from tests.factories import DEFAULT_PASSWORD

    rate = settings.LOGIN_BACKOFF_AFTER_FAILURES
    api = APIClient()
    # The wrong guesses through the API and the right password through the console, from one client.
    for _ in range(rate):
        assert api.post("/api/v1/auth/token/", {"email": bank.sam.email, "password": "wrong"}, format="json",
                        REMOTE_ADDR="198.51.100.7").status_code == 401

    refused = Client(REMOTE_ADDR="198.51.100.7").post(
        reverse("console:login"), {"username": bank.sam.email, "password": DEFAULT_PASSWORD})

    assert refused.status_code == 429
    assert "sessionid" not in refused.cookies
