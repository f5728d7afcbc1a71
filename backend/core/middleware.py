from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from prometheus_client import Counter, Histogram

from backend.core.request_context import person_id_var, request_id_var, signal_id_var

# A client-chosen id is echoed only when it is short and plain, so it cannot inject into logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (the client's X-Request-ID when safe), on the response and in logs.

    Sync and async capable (Django's documented middleware flags): below `SyncStackMiddleware` it
    runs in sync mode with the rest of the stack, and in an async stack it would need no thread.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    @staticmethod
    def _request_id(request: HttpRequest) -> str:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        return request_id

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self.__acall__(request)
        request_id = self._request_id(request)
        token = request_id_var.set(request_id)
        # The person and signal are set further in (authentication, services); scoped to this request.
        person, signal = person_id_var.set(None), signal_id_var.set(None)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
            person_id_var.reset(person)
            signal_id_var.reset(signal)
        response["X-Request-ID"] = request_id  # type: ignore[index]
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        request_id = self._request_id(request)
        token = request_id_var.set(request_id)
        person, signal = person_id_var.set(None), signal_id_var.set(None)
        try:
            response = await self.get_response(request)  # type: ignore[misc]
        finally:
            request_id_var.reset(token)
            person_id_var.reset(person)
            signal_id_var.reset(signal)
        response["X-Request-ID"] = request_id
        return response


class SyncStackMiddleware:
    """Sync-only and does nothing itself: as the innermost middleware it makes Django run the
    whole stack above it in sync mode in one worker thread (see the note at MIDDLEWARE).

    Public API only: Django reads `sync_capable`/`async_capable` to decide each middleware's mode
    and adapts once at a boundary ("Asynchronous support" in the middleware docs). Without this the
    stock middleware (all `MiddlewareMixin`) would run each hook through its own `sync_to_async`
    under ASGI: `/healthz` cost ~2× the CPU per request in-process, measured with and without.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


class RequestLanguageMiddleware:
    """Issue 16: messages in the request's Accept-Language (nl, da, else English) until the person
    is known; the API's authentication then switches to their profile's language.

    Not Django's LocaleMiddleware: that one adds `Vary: Accept-Language` and `Content-Language` to
    every response, the tracked-link redirect included, whose responses must stay header-lean. The
    language is deactivated after the response, so nothing carries over to the thread's next request.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        translation.activate(translation.get_language_from_request(request))
        try:
            return self.get_response(request)
        finally:
            translation.deactivate()


class PersonLogContextMiddleware:
    """After Django's AuthenticationMiddleware: a console or admin request (session sign-in) names
    its person in the log lines. The API's JWT authentication sets the same variable itself
    (mobile_api/authentication.py), since DRF authenticates inside the view."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only with a session cookie: reading request.user marks the session accessed, which adds
        # `Vary: Cookie` — and the tracked-link redirect's responses must stay header-lean.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                person_id_var.set(user.pk)  # RequestIdMiddleware resets it after the response
        return self.get_response(request)


# Per-view request counts and latencies: process-local by nature. With PROMETHEUS_MULTIPROC_DIR set
# (several gunicorn/uvicorn workers), prometheus-client keeps them in files shared by the processes
# and /metrics adds them up (docs/operations.md, "Metrics").
HTTP_REQUESTS = Counter(
    "relay_http_requests", "HTTP requests answered, by view (URL name), method and status code.",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "relay_http_request_duration_seconds", "Time to answer an HTTP request, by view and method.",
    ["view", "method"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Counts and times every request by the URL pattern's name, never by the raw path: labels stay
    a bounded set whatever clients send (an unknown path is `unmatched`, an odd method `other`)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route or "unnamed") if match is not None else "unmatched"
        method = request.method if request.method in _METHODS else "other"
        HTTP_LATENCY.labels(view=view, method=method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        return response
