"""API conventions every endpoint relies on: schema, docs, one error shape, request ids, permissions."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db


def test_schema_endpoint_serves_openapi_3(client_for, employee) -> None:
    response = client_for(employee).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/token/" in schema["paths"]
    assert "/api/v1/me/" in schema["paths"]


def test_schema_generates_without_warnings(tmp_path) -> None:
    # --fail-on-warn turns every drf-spectacular warning into a non-zero exit (SystemExit).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")


def test_docs_page_is_served_without_internet(client, employee) -> None:
    client.force_login(employee)  # DEBUG is off here: the docs are for signed-in people
    page = client.get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    # The assets come from drf-spectacular-sidecar (our own static files), not a CDN.
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_unknown_api_path_is_a_json_404(api_client) -> None:
    response = api_client.get("/api/v1/does-not-exist/")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_every_response_carries_a_request_id(api_client) -> None:
    generated = api_client.get("/healthz")
    echoed = api_client.get("/healthz", HTTP_X_REQUEST_ID="app-7f3a9c21")
    unsafe = api_client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert len(generated["X-Request-ID"]) == 32
    assert echoed["X-Request-ID"] == "app-7f3a9c21"
    assert unsafe["X-Request-ID"] != "bad id\nwith newline"


def _api_views(patterns: list, prefix: str = "") -> list[tuple[str, type | None]]:
    found: list[tuple[str, type | None]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
            route = prefix + str(pattern.pattern)
            if route.startswith("api/"):
                found.append((route, view_class))
    return found


def test_every_api_view_declares_its_permissions() -> None:
    views = _api_views(get_resolver().url_patterns)

    assert len(views) >= 5
    for route, view_class in views:
        assert view_class is not None and issubclass(view_class, APIView), f"{route} is not a DRF view"
        # Declared on the view or one of our own bases, never inherited silently from DRF's default.
        declared = any(
            "permission_classes" in vars(klass)
            for klass in view_class.__mro__
            if klass.__module__.startswith(("mobile_api", "drf_spectacular", "rest_framework_simplejwt"))
        )
        assert declared, f"{route} ({view_class.__name__}) does not declare permission_classes"


def test_a_briefly_unavailable_database_is_a_503_with_a_retry_hint(client_for, monkeypatch) -> None:
    from django.db import OperationalError

    from backend.people import selectors
    from tests.factories import UserFactory

    client = client_for(UserFactory.create())

    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(selectors, "profile_get_for_user", down)

    response = client.get("/api/v1/me/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "service_unavailable"
