"""`GET /s/{code}`: a 302 with UTM parameters, one indexed lookup, the click recorded (bots apart,
visitors hashed with a daily salt, no address stored), unknown codes 404."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.insights import selectors as insights
from backend.sharing import services
from backend.sharing.models import Click, DailySalt, StoryState
from tests.factories import CampaignFactory, ShareFactory, StoryFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"


def visit(client, code, agent=BROWSER, address="203.0.113.7", referrer="https://www.linkedin.com/feed/"):
    return client.get(f"/s/{code}", HTTP_USER_AGENT=agent, REMOTE_ADDR=address, HTTP_REFERER=referrer)


def test_redirects_to_the_story_with_utm_parameters(client) -> None:
    campaign = CampaignFactory.create(slug="green-homes")
    s = ShareFactory.create(code="AbCd1234", channel="whatsapp",
                     story=StoryFactory.create(url="https://bank.example/groen?lang=nl", campaign=campaign))

    response = visit(client, "AbCd1234")

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.netloc, target.path) == ("bank.example", "/groen")
    assert parse_qs(target.query) == {
        "lang": ["nl"], "utm_source": ["whatsapp"], "utm_medium": ["employee_advocacy"],
        "utm_campaign": ["green-homes"], "utm_content": [f"share-{s.id}"],
    }
    assert response["Cache-Control"] == "private, no-store"


def test_the_click_is_recorded_without_the_address(client) -> None:
    s = ShareFactory.create(code="AbCd1234", channel="linkedin")

    visit(client, "AbCd1234")

    click = Click.objects.get()
    assert (click.share_id, click.channel, click.referrer_domain, click.is_bot) == (s.id, "linkedin",
                                                                                     "www.linkedin.com", False)
    stored = " ".join(str(v) for v in Click.objects.values().get().values())
    assert "203.0.113.7" not in stored


def test_preview_bots_get_the_redirect_but_do_not_count(client) -> None:
    s = ShareFactory.create(code="AbCd1234")

    bot = visit(client, "AbCd1234", agent="facebookexternalhit/1.1")
    visit(client, "AbCd1234", agent="LinkedInBot/1.0")
    visit(client, "AbCd1234")

    assert bot.status_code == 302
    assert list(Click.objects.order_by("id").values_list("is_bot", flat=True)) == [True, True, False]
    row = insights.sharing_figures(by="story")[0]
    assert (row["key"], row["clicks"], row["unique_visitors"]) == (str(s.story_id), 1, 1)


def test_unique_visitors_per_day(client) -> None:
    ShareFactory.create(code="AbCd1234")

    for address in ["203.0.113.7", "203.0.113.7", "198.51.100.2"]:
        visit(client, "AbCd1234", address=address)

    keys = list(Click.objects.values_list("visitor_key", flat=True))
    assert len(keys) == 3 and len(set(keys)) == 2
    tomorrow = timezone.now() + timedelta(days=1)
    services.click_record_for_code(code="AbCd1234", referrer="", address="203.0.113.7", user_agent=BROWSER,
                                   now=tomorrow)
    assert Click.objects.latest("id").visitor_key not in keys  # a new day, a new salt


@pytest.mark.parametrize("code", ["Nope1234", "short", "AbCd1234/", "AbCd-234", "AbCd1234" * 3])
def test_unknown_or_malformed_codes_are_404_and_record_nothing(client, code) -> None:
    ShareFactory.create(code="AbCd1234")

    response = client.get(f"/s/{code}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Click.objects.count() == 0


def test_the_click_is_one_insert_after_one_lookup(client) -> None:
    ShareFactory.create(code="AbCd1234")
    visit(client, "AbCd1234")  # the day's first click made today's salt

    with CaptureQueriesContext(connection) as queries:
        response = visit(client, "AbCd1234")

    assert response.status_code == 302
    sql = [q["sql"].split()[0].upper() for q in queries]
    assert sql == ["SELECT", "INSERT"], [q["sql"] for q in queries]
    assert '"sharing_click"' in queries[1]["sql"]
    assert Click.objects.count() == 2


def test_the_days_first_click_makes_its_salt_once(client) -> None:
    ShareFactory.create(code="AbCd1234")

    visit(client, "AbCd1234")
    visit(client, "AbCd1234")

    assert DailySalt.objects.filter(day=timezone.localdate()).count() == 1
    assert Click.objects.values("visitor_key").distinct().count() == 1


def test_an_unknown_code_costs_one_statement_and_inserts_nothing(client) -> None:
    ShareFactory.create(code="AbCd1234")
    visit(client, "AbCd1234")

    with CaptureQueriesContext(connection) as queries:
        assert visit(client, "Nope1234").status_code == 404

    assert len(queries) == 1 and Click.objects.count() == 1


def test_the_link_of_an_expired_or_archived_story_still_leads_to_it_and_counts(client) -> None:
    past = timezone.now() - timedelta(days=1)
    ShareFactory.create(code="AbCd1234", story=StoryFactory.create(url="https://bank.example/old", state=StoryState.EXPIRED,
                                                     expires_at=past))
    ShareFactory.create(code="EfGh5678", story=StoryFactory.create(url="https://bank.example/gone", state=StoryState.ARCHIVED))

    expired, archived = visit(client, "AbCd1234"), visit(client, "EfGh5678")

    assert (expired.status_code, archived.status_code) == (302, 302)
    assert urlsplit(expired["Location"]).path == "/old" and urlsplit(archived["Location"]).path == "/gone"
    assert Click.objects.count() == 2


def test_a_story_without_campaign_gets_the_default_utm_campaign(client) -> None:
    s = ShareFactory.create(code="AbCd1234", story=StoryFactory.create(url="https://bank.example/x", campaign=None))

    query = parse_qs(urlsplit(visit(client, "AbCd1234")["Location"]).query)

    assert (query["utm_campaign"], query["utm_content"]) == (["employee-advocacy"], [f"share-{s.id}"])


def test_only_get_and_head(client) -> None:
    ShareFactory.create(code="AbCd1234")

    assert client.post("/s/AbCd1234").status_code == 405
    assert Click.objects.count() == 0
