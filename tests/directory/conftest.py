"""Fixtures for the SCIM tests: two directory connections and a client that speaks SCIM."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from backend.directory.models import DirectoryConnection
from backend.directory.services import directory_connection_create

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class Scim:
    """A SCIM client of one connection, through Django's test client (the real view and middleware)."""

    connection: DirectoryConnection
    token: str
    client: Client

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token if token is None else token}"}
        data = json.dumps(body) if body is not None else ""
        response = getattr(self.client, method.lower())(f"/scim/v2{path}", data=data, content_type=SCIM, **headers)
        response.json_body = json.loads(response.content) if response.content else None
        return response

    def user(self, user_name: str, **extra: Any) -> dict[str, Any]:
        body = {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": user_name, "active": True,
                "name": {"givenName": "Anna", "familyName": "de Vries"}, **extra}
        response = self.call("POST", "/Users", body)
        assert response.status_code == 201, response.json_body
        return response.json_body


def _scim(name: str) -> Scim:
    connection, token = directory_connection_create(name=name)
    return Scim(connection=connection, token=token, client=Client())


@pytest.fixture
def scim(db: None) -> Scim:
    return _scim("Entra ID")


@pytest.fixture
def scim_b(db: None) -> Scim:
    return _scim("Okta")
