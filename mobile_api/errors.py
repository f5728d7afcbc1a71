"""One JSON error shape for every 4xx (and the rare 5xx):

    {"error": {"code": "validation_error", "message": "...", "fields": {"phone": ["..."]}}}

DRF's own exceptions, Django's Http404/PermissionDenied and the domain's `DomainError` all
come through `exception_handler`; `json_404`/`json_500` cover requests that never reach a view.
"""
from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backend.core.errors import DomainError
from mobile_api.parsers import RequestTooLarge

logger = logging.getLogger(__name__)

_CODE_BY_CLASS: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    return {"error": body}


def _flatten_fields(detail: Any) -> dict[str, Any]:
    """DRF validation detail → {field: [messages]}; nested objects keep their nesting."""
    if isinstance(detail, dict):
        out: dict[str, Any] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                out[key] = _flatten_fields(value)
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                out[key] = [_flatten_fields(v) for v in value]
            elif isinstance(value, list):
                out[key] = [str(v) for v in value]
            else:
                out[key] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is briefly unreachable: nothing was half-written (services are atomic),
        # so the app may simply retry — with the same Idempotency-Key for a submission.
        logger.warning("database unavailable: %s", type(exc).__name__)
        unavailable = Response(
            error_body("service_unavailable", _("The service is briefly unavailable; please retry shortly.")),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        unavailable["Retry-After"] = "5"
        return unavailable
    if isinstance(exc, DomainError):
        # str(): a message marked with gettext_lazy is translated now, in the person's language
        # (the profile's once authenticated, else Accept-Language); the code never changes.
        return Response(
            error_body(exc.code, str(exc.message), exc.fields, **exc.extra), status=exc.status_code
        )
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's 500 handler (json_500) answers and the error is logged

    assert isinstance(exc, exceptions.APIException)
    code = next((c for cls, c in _CODE_BY_CLASS.items() if isinstance(exc, cls)), None)
    if code is None:
        code = exc.default_code if isinstance(exc.default_code, str) else "error"
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        message = _("Some fields are not valid.")
        if set(fields) == {"non_field_errors"}:
            message = fields["non_field_errors"][0]
        response.data = error_body(code, message, fields)
    else:
        detail: Any = exc.detail  # a string, a list or a dict: whatever the exception was raised with
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        response.data = error_body(code, message)
        if isinstance(exc, exceptions.Throttled):
            wait = exc.wait  # type: ignore[attr-defined]  # drf-stubs lack Throttled.wait (set by its __init__)
            if wait is not None:
                response.data["error"]["retry_after"] = int(wait)
    return response


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", _("Not found.")), status=status.HTTP_404_NOT_FOUND)


def json_500(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body("server_error", _("Something went wrong on our side; nothing you sent was stored twice.")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def json_400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("bad_request", _("Bad request.")), status=status.HTTP_400_BAD_REQUEST)


def json_403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("permission_denied", _("Permission denied.")), status=status.HTTP_403_FORBIDDEN)


# --- requests that never reach a DRF view, and DEBUG ----------------------------------------
_CODE_BY_STATUS = {
    400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
    405: "method_not_allowed", 413: "request_too_large", 415: "unsupported_media_type", 429: "throttled",
    500: "server_error", 503: "service_unavailable",
}


class ApiJsonErrorsMiddleware(MiddlewareMixin):
    """Under `/api/` every error is the one JSON shape, in every mode: with DEBUG on, Django answers
    an unknown path, a refused body or a crash with its HTML debug pages (handler404/500 are used
    only with DEBUG off), and DRF's browsable API renders errors as HTML. The status code stays."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if (response.status_code < 400 or not request.path.startswith("/api/")
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        code = _CODE_BY_STATUS.get(response.status_code, "error")
        message = ("Something went wrong on our side." if response.status_code >= 500
                   else code.replace("_", " ").capitalize() + ".")
        replaced = JsonResponse(error_body(code, message), status=response.status_code)
        for header in ("Retry-After", "Allow", "WWW-Authenticate", "X-Request-ID"):
            if header in response:
                replaced[header] = response[header]
        return replaced

