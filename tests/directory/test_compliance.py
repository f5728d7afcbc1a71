"""RFC 7643/7644 compliance, checked by scim2-tester (the checker from PyPI) against the live
server: the real ASGI application on uvicorn on 127.0.0.1, over HTTP. Checks we skip, and why,
are listed in docs/scim.md; everything else must not report an error."""
from __future__ import annotations

import uuid
from typing import Annotated, Any, cast

import httpx
import pytest
from pydantic import Field
from scim2_client.client import BaseSyncSCIMClient
from scim2_models import EnterpriseUser, Group, Required, ResourceType, ScimProvider, Uniqueness, User
from scim2_tester import Status, check_server

from backend.directory.services import directory_connection_create
from tests.notifications.test_websocket import server  # noqa: F401 - a fixture: uvicorn on 127.0.0.1

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

FAILING = {Status.ERROR, Status.CRITICAL}
EXPECTED_NOT_PASSING = {
    # `active` is the person's real state: removing it is "not given", and a person is active
    # unless the directory says false (docs/scim.md).
    ("check_remove_attribute", "User", "Attribute 'active' was not removed"),
    # A member's `display` is the member User's displayName, not the random text sent in the PATCH.
    ("check_add_attribute", "Group", "Attribute 'members' was not added or has unexpected value"),
    ("check_replace_attribute", "Group", "Attribute 'members' was not replaced or has unexpected value"),
    # POST /.search across resource types is not offered (501); /Users/.search and /Groups/.search are.
    ("search_with_attributes", "User",
     "POST /.search: searching several resource types at once is not supported by the server"),
    ("search_with_attributes", "Group",
     "POST /.search: searching several resource types at once is not supported by the server"),
}


class _FreshAddresses(list[str]):
    """Examples of userName for the checker: it picks one with `random.choice`, and every pick is
    a new e-mail address (the checker creates several users, and userName is unique)."""

    def __init__(self) -> None:
        super().__init__(["placeholder"])

    def __getitem__(self, index: Any) -> Any:
        return f"{uuid.uuid4().hex[:16]}@scim-tester.example"


class ComplianceUser(User):
    """The core User as scim2-tester fills it, but with an e-mail address as userName: the checker
    takes a field's pydantic `examples` before inventing a random word, and Relay's people are
    e-mail addresses (docs/scim.md). Same schema URN, same attributes."""

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = Field(None, examples=_FreshAddresses())


TESTER_PROVIDER = ScimProvider(
    models=[ComplianceUser, EnterpriseUser, Group],
    # pydantic keeps the subclass generic at run time; mypy does not see it.
    resource_types=[ResourceType.from_resource(cast(Any, ComplianceUser)[EnterpriseUser]), ResourceType.from_resource(Group)],
)


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


def test_scim2_tester_passes_but_for_the_listed_differences(server: str, settings: Any) -> None:  # noqa: F811
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    _, token = directory_connection_create(name="compliance")
    base = server.replace("ws://", "http://").replace("/ws/v1/", "/scim/v2/")
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        client = HttpxScimClient(http, provider=TESTER_PROVIDER)
        results = check_server(client)
    outcome = {(r.title, r.resource_type, (r.reason or "").splitlines()[0]) for r in results
               if r.status in FAILING | {Status.SKIPPED}}
    assert sum(r.status == Status.SUCCESS for r in results) > 100  # discovery and CRUD ran, not nothing
    # Exactly the known differences, each with its reason in docs/scim.md; anything else fails here,
    # and so does one of these starting to pass (then this list and the docs are out of date).
    assert outcome == EXPECTED_NOT_PASSING
