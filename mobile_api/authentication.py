"""JWT bearer authentication of the API: the one access-token validator shared with the websocket
(`backend.people.auth.AccessTokenAuthentication`), under the name the settings and schema use."""
from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme

from backend.people.auth import AccessTokenAuthentication


class ProfileJWTAuthentication(AccessTokenAuthentication):
    """The API's authentication class (REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"])."""


class ProfileJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme stays simplejwt's bearer JWT."""

    target_class = "mobile_api.authentication.ProfileJWTAuthentication"
