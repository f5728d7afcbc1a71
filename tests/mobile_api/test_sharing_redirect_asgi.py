"""`GET /s/{code}` through the ASGI application the server runs (backend.asgi), behind the site's
middleware stack: clicks counted exactly, the one JSON error shape, the request id and transport
security of every other response, and the click committed before the redirect leaves the server
(uvicorn on SQLite and on PostgreSQL).

These tests commit (transaction=True): the ASGI handler runs the view in a thread of its own, on
its own database connection, as it does under uvicorn."""
from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.asgi import get_asgi_application
from django.db import connection
from django.test import override_settings

from backend.asgi import application
from backend.insights import selectors as insights
from backend.sharing.models import Click
from tests.factories import CampaignFactory, ShareFactory, StoryFactory

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import harness  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"


def asgi_get(path: str, *, app: Any = application, method: str = "GET", **headers: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(headers.pop("address", "203.0.113.7"), 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(method, path, headers={"user-agent": BROWSER, **headers})

    return asyncio.run(go())


def test_the_redirect_keeps_the_request_id_and_the_security_headers() -> None:
    campaign = CampaignFactory.create(slug="green-homes")
    story = StoryFactory.create(url="https://bank.example/g", campaign=campaign)
    s = ShareFactory.create(code="AbCd1234", channel="x", story=story)

    response = asgi_get("/s/AbCd1234", referer="https://t.co/abc", **{"x-request-id": "app-7f3a9c21"})

    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    assert parse_qs(target.query) == {"utm_source": ["x"], "utm_medium": ["employee_advocacy"],
                                      "utm_campaign": ["green-homes"], "utm_content": [f"share-{s.id}"]}
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-request-id"] == "app-7f3a9c21"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in response.headers and "vary" not in response.headers  # no session, no CSRF
    click = Click.objects.get()
    assert (click.share_id, click.channel, click.referrer_domain, click.is_bot) == (s.id, "x", "t.co", False)


def test_bots_and_unique_visitors_are_counted_as_through_the_main_stack() -> None:
    s = ShareFactory.create(code="AbCd1234")

    for address, agent in [("203.0.113.7", BROWSER), ("203.0.113.7", BROWSER), ("198.51.100.2", BROWSER),
                           ("198.51.100.9", "Slackbot-LinkExpanding 1.0"), ("198.51.100.9", "WhatsApp/2.23")]:
        assert asgi_get("/s/AbCd1234", address=address, **{"user-agent": agent}).status_code == 302

    assert list(Click.objects.order_by("id").values_list("is_bot", flat=True)) == [False] * 3 + [True] * 2
    row = insights.sharing_figures(by="story")[0]
    assert (row["key"], row["clicks"], row["unique_visitors"]) == (str(s.story_id), 3, 2)
    assert not Click.objects.filter(visitor_key__contains="203.0.113.7").exists()


def test_unknown_codes_and_other_methods_get_the_json_error_shape() -> None:
    ShareFactory.create(code="AbCd1234")

    missing = asgi_get("/s/Nope1234")
    posted = asgi_get("/s/AbCd1234", method="POST")

    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert posted.status_code == 405
    assert Click.objects.count() == 0


def test_a_forged_host_is_refused() -> None:
    ShareFactory.create(code="AbCd1234")

    response = asgi_get("/s/AbCd1234", host="evil.example")

    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
    assert Click.objects.count() == 0


def test_plain_http_is_sent_to_https_when_the_site_says_so() -> None:
    ShareFactory.create(code="AbCd1234")
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=3600):
        app = get_asgi_application()  # SecurityMiddleware reads its settings when the stack is built

        plain = asgi_get("/s/AbCd1234", app=app)
        secure = asgi_get("/s/AbCd1234", app=app, **{"x-forwarded-proto": "https"})

    assert plain.status_code == 301 and plain.headers["location"] == "https://testserver/s/AbCd1234"
    assert secure.status_code == 302 and secure.headers["strict-transport-security"].startswith("max-age=3600")
    assert Click.objects.count() == 1  # the hop to HTTPS is not a visit


SEED_SQLITE = """
from tests.factories import ShareFactory
ShareFactory.create(code="AbCd1234", channel="linkedin")
"""


@pytest.mark.parametrize("vendor", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_click_is_committed_before_the_redirect_leaves_uvicorn(vendor: str, tmp_path: Path) -> None:
    if vendor == "sqlite":
        path = tmp_path / "relay.sqlite3"
        env = harness.base_env(f"sqlite:///{path}")
        harness.manage(env, "migrate", "--noinput")
        harness.manage(env, "shell", "-c", SEED_SQLITE)
    else:  # the test database itself: the share below is committed, the server sees it
        db = connection.settings_dict
        env = harness.base_env(f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
        ShareFactory.create(code="AbCd1234", channel="linkedin")

    with harness.asgi_server(env) as url:
        response = httpx.get(f"{url}/s/AbCd1234", headers={"user-agent": BROWSER})
        # Read on another connection as soon as the 302 is in: the click must already be there.
        if vendor == "sqlite":
            with sqlite3.connect(path) as db_file:
                stored = db_file.execute("SELECT channel, is_bot FROM sharing_click").fetchall()
        else:
            stored = list(Click.objects.values_list("channel", "is_bot"))

    assert response.status_code == 302
    assert [(channel, bool(is_bot)) for channel, is_bot in stored] == [("linkedin", False)]
