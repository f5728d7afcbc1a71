"""JWT bearer authentication of the API: the one access-token validator shared with the websocket
(`backend.people.auth.AccessTokenAuthentication`), under the name the settings and schema use."""
from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import translation
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.request import Request
from rest_framework_simplejwt.tokens import Token

from backend.core.request_context import person_id_var
from backend.people.auth import AccessTokenAuthentication
from backend.people.models import User


class ProfileJWTAuthentication(AccessTokenAuthentication):
    """The API's authentication class (REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"])."""

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, Token] | None:  # type: ignore[override]  # simplejwt's unbound TypeVar
        """Once the person is known, their profile's language replaces the request's
        Accept-Language for the rest of the request: messages, errors and warnings are then
        written for them, whatever the phone's locale says."""
        authenticated = super().authenticate(request)
        user = authenticated[0] if authenticated is not None else None
        if isinstance(user, User):
            person_id_var.set(user.pk)  # log lines name the person; RequestIdMiddleware resets it
            if hasattr(user, "profile"):
                translation.activate(user.profile.language)
        return authenticated


class ProfileJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme stays simplejwt's bearer JWT."""

    target_class = "mobile_api.authentication.ProfileJWTAuthentication"
