"""RFC 7643/7644 compliance, checked by scim2-tester (the checker from PyPI) against the live
server: the real ASGI application on uvicorn on 127.0.0.1, over HTTP. Checks we skip, and why,
are listed in docs/scim.md; everything else must not report an error."""
from __future__ import annotations

from typing import Any

import httpx
import pytest
from scim2_client.client import BaseSyncSCIMClient
from scim2_tester import Status, check_server

from backend.directory.services import directory_connection_create
from tests.notifications.test_websocket import server  # noqa: F401 - a fixture: uvicorn on 127.0.0.1

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

FAILING = {Status.ERROR, Status.CRITICAL}


class HttpxScimClient(BaseSyncSCIMClient):
    """scim2-client over httpx (the HTTP client the project already uses), on one base URL."""

    def __init__(self, client: httpx.Client, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        base, url = self.client.base_url, self.client.build_request("GET", endpoint).url
        return (url.host, url.port) == (base.host, base.port) and url.raw_path.startswith(base.raw_path)

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.client.request(method, url, **kwargs)


def test_scim2_tester_finds_no_error(server: str, settings: Any) -> None:  # noqa: F811
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    # The checker's userNames are random words: this connection takes the e-mail from `emails`.
    _, token = directory_connection_create(name="compliance", mapping={"email_from": "emails"})
    base = server.replace("ws://", "http://").replace("/ws/v1/", "/scim/v2/")
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        client = HttpxScimClient(http)
        results = check_server(client)
    failures = [(r.title, r.resource_type, r.reason) for r in results if r.status in FAILING]
    assert len(results) > 20  # the checker ran its discovery and CRUD checks, not nothing
    discovery = [r for r in results if r.tags & {"discovery"}]
    assert discovery and all(r.status not in FAILING for r in discovery)
    # The one known gap (docs/scim.md): the checker's users carry random words as userName and
    # e-mail, and Relay refuses a person without an e-mail address (400 invalidValue). Any other
    # failure is a regression.
    assert {reason for _, _, reason in failures} <= {"userName must be an e-mail address."}
