"""`/scim/v2/…`: the Django side of scim2-server. The request becomes a framework-free ScimRequest,
the connection is found by its bearer token, and scim2-server's handler serves the request over
that connection's storage in one transaction; its ScimResponse becomes the Django response."""
from __future__ import annotations

import json
import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from scim2_models import SCIMException, UnauthorizedException
from scim2_server.applications.base import BaseApplication
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse

from backend.directory.models import DirectoryConnection
from backend.directory.scim import PROVIDER, SERVICE, DirectoryStorage
from backend.directory.selectors import directory_connection_for_token

logger = logging.getLogger(__name__)


class _Application(BaseApplication):
    """scim2-server's framework-independent steps: which requests need a token, the error
    response of an exception (a 500 never carries the exception's text), the common headers."""

    def handle_exception(self, request: ScimRequest, exception: Exception) -> ScimResponse:
        if isinstance(exception, SCIMException):
            logger.info("SCIM %s %s: %s %s", request.method, request.path, exception.status, type(exception).__name__)
        else:
            logger.exception("SCIM %s %s failed", request.method, request.path)
        return self.service.error_response(exception)


APPLICATION = _Application(PROVIDER, SERVICE)


def _connection(request: ScimRequest) -> DirectoryConnection:
    scheme, _, token = (request.header("Authorization") or "").partition(" ")
    connection = directory_connection_for_token(token=token.strip()) if scheme.lower() == "bearer" else None
    if connection is None:
        raise UnauthorizedException(detail="A valid bearer token of a directory connection is required")
    return connection


def _serve(request: ScimRequest) -> ScimResponse:
    if not APPLICATION.needs_auth(request):
        return ScimHandler(SERVICE, DirectoryStorage(DirectoryConnection())).handle(request)
    storage = DirectoryStorage(_connection(request))
    with transaction.atomic():
        return ScimHandler(SERVICE, storage).handle(request)


@csrf_exempt  # a bearer-token API: no cookies, so no cross-site request to forge
def scim(request: HttpRequest, path: str = "") -> HttpResponse:
    scim_request = ScimRequest(
        method=request.method or "GET",
        base_url=request.build_absolute_uri("/scim/v2"),
        path=APPLICATION.split_path("/" + path),
        query=request.GET.dict(),
        headers=dict(request.headers),
        body=request.body,
    )
    try:
        response = _serve(scim_request)
    except Exception as exc:  # noqa: BLE001 - every failure answers in SCIM's error shape
        response = APPLICATION.handle_exception(scim_request, exc)
    response = APPLICATION.finalize_response(scim_request, response)
    body = b"" if response.body is None else json.dumps(response.body).encode()
    return HttpResponse(body, status=int(response.status), headers=response.headers)
