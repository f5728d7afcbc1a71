"""Single sign-on for the console and the Django admin (issue 17): the server-side authorization-code
flow with state, nonce and PKCE, by mozilla-django-oidc (why this library: docs/security.md).

The library runs the protocol (the redirect with state, nonce and the PKCE challenge kept in the
session, the code exchange); Relay supplies the rest, shared with the app's `POST /api/v1/auth/oidc/`:
the provider's endpoints come from its discovery document in the shared cache, the ID token is
checked by `backend.people.oidc.oidc_id_token_verify`, and the person is found by
`backend.people.services.person_for_oidc_claims`. After the callback the person has the same Django
session as after the password form. Logging out of the console also ends the provider's session
(RP-initiated logout, with `id_token_hint` and `post_logout_redirect_uri`).
"""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationRequestView, OIDCLogoutView

from backend.core.errors import DomainError
from backend.people.models import User
from backend.people.oidc import oidc_discovery, oidc_enabled, oidc_id_token_verify
from backend.people.services import person_for_oidc_claims

logger = logging.getLogger(__name__)

SESSION_SSO_ERROR = "console_sso_error"  # why the last SSO attempt failed, for the sign-in page


class ConsoleOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, answering only the provider's callback (a request with
    `code` and `state`); every other `authenticate()` (the password forms) passes it by."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Not the library's __init__: Django builds the backends on every authenticate() call, the
        # password sign-ins' too, and the library's reads the provider's endpoints there. Here they
        # come from the discovery document (properties below), and only on the callback.
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # noqa: N802 - the library's attribute name
        return str(oidc_discovery()["token_endpoint"])

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if request is None or not oidc_enabled() or "code" not in request.GET:
            return None
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except DomainError as exc:  # the provider is unreachable
            self._failed(exc.code)
            return None
        return user

    def get_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            token: dict[str, Any] = super().get_token(payload)
        except Exception as exc:  # noqa: BLE001 - requests' errors: the code exchange failed, no sign-in
            logger.warning("SSO code exchange failed: %s", type(exc).__name__)
            self._failed("code_exchange_failed")
            return {}
        return token

    def verify_token(self, token: str | None, **kwargs: Any) -> dict[str, Any] | None:
        if not token:
            return None
        try:
            return oidc_id_token_verify(id_token=token, nonce=kwargs.get("nonce"))
        except DomainError as exc:
            logger.info("SSO ID token refused: %s", exc.extra.get("reason", exc.code))
            self._failed(exc.code)
            return None

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        try:
            return person_for_oidc_claims(claims=payload)
        except DomainError as exc:  # not_provisioned, account_inactive
            self._failed(exc.code)
            return None

    def _failed(self, code: str) -> None:
        request = getattr(self, "request", None)
        if request is not None and hasattr(request, "session"):
            request.session[SESSION_SSO_ERROR] = code


class SsoStartView(OIDCAuthenticationRequestView):
    """`/console/oidc/login/?next=…`: redirects to the provider's authorization endpoint."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        if attr == "OIDC_OP_AUTHORIZATION_ENDPOINT":
            return ""  # set in get(), from the discovery document
        return OIDCAuthenticationRequestView.get_settings(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_discovery()["authorization_endpoint"]
        except DomainError as exc:
            request.session[SESSION_SSO_ERROR] = exc.code
            return HttpResponseRedirect(reverse("console:login"))
        response: HttpResponse = super().get(request)
        return response


class ConsoleLogoutView(OIDCLogoutView):
    """The console's log-out (POST): ends the Django session, then the provider's (when the person
    signed in with it) through `provider_logout_url`."""


def provider_logout_url(request: HttpRequest) -> str:
    """RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the provider's
    `end_session_endpoint` with the ID token as hint, and back to the console's sign-in page."""
    back = str(settings.LOGOUT_REDIRECT_URL)
    id_token = request.session.get("oidc_id_token")
    if not id_token or not oidc_enabled():
        return back
    try:
        end_session = oidc_discovery().get("end_session_endpoint")
    except DomainError:
        return back
    if not end_session:
        return back
    query = urlencode({"id_token_hint": id_token, "client_id": settings.OIDC_CLIENT_ID,
                       "post_logout_redirect_uri": request.build_absolute_uri(back)})
    return f"{end_session}?{query}"
