"""Issue 15 (low): API paths answer the one JSON error shape in every mode (unknown paths, bodies
that are too large, crashes), and DEBUG's error page with settings and local variables is shown
to requests from this machine only."""
from __future__ import annotations

import json

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from backend.listening.models import Signal
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SECRET_LOCAL = "local-value-that-must-not-leak"


def crash(request: HttpRequest) -> HttpResponse:
    secret_local = SECRET_LOCAL  # a local variable the debug page would show
    raise RuntimeError(f"boom {len(secret_local)}")


urlpatterns = [
    path("api/v1/crash/", crash),
    path("console/crash/", crash),
    path("", include("backend.urls")),
]


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings) -> bool:
    settings.DEBUG = request.param
    return request.param


def test_an_unknown_api_path_is_a_json_404(debug, client) -> None:
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_a_body_over_the_limit_is_a_json_413_and_stores_nothing(debug, client_for) -> None:
    huge = json.dumps({"text": "hypotheek " * 200_000})  # ~2 MB, over the 1 MiB limit

    response = client_for(UserFactory.create()).generic("POST", "/api/v1/signals/", huge,
                                                        content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert not Signal.objects.exists()


def test_a_crash_under_api_is_a_json_500_without_details(debug, settings) -> None:
    settings.ROOT_URLCONF = __name__
    browser = Client(raise_request_exception=False)

    response = browser.get("/api/v1/crash/", HTTP_ACCEPT="text/html")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert SECRET_LOCAL not in response.content.decode()


def test_debugs_error_page_is_for_this_machine_only(settings) -> None:
    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__
    browser = Client(raise_request_exception=False)

    remote = browser.get("/console/crash/", REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT="text/html")
    remote_text = browser.get("/console/crash/", REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT="text/plain")
    local = browser.get("/console/crash/", REMOTE_ADDR="127.0.0.1", HTTP_ACCEPT="text/html")

    assert remote.status_code == remote_text.status_code == local.status_code == 500
    for page in (remote.content.decode(), remote_text.content.decode()):
        assert SECRET_LOCAL not in page and "SECRET_KEY" not in page and "Traceback" not in page
    assert SECRET_LOCAL in local.content.decode()  # the developer at the machine still sees it all
