"""The bare host answers with a page that links to the docs, the console and the admin."""
from __future__ import annotations

import pytest

from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_root_page_links_to_the_docs_the_console_and_the_admin(client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    for href in ('href="/console/"', 'href="/api/docs/"', 'href="/api/redoc/"', 'href="/api/v1/schema/"',
                 'href="/admin/"', 'href="/healthz"'):
        assert href in html
    # With DEBUG off the API docs need sign-in (issue 15): anonymous gets 401, a signed-in person the page.
    assert client.get("/api/docs/").status_code == 401
    client.force_login(UserFactory.create())
    for href in ("/console/", "/api/docs/", "/admin/"):
        assert client.get(href).status_code in {200, 302}


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "console"), [("nl", "Webconsole"), ("da", "Webkonsol"), ("en", "Web console")])
def test_the_root_page_speaks_the_visitors_language(client, language: str, console: str) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f'href="/console/">{console}</a>' in html
