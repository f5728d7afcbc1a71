"""JWT bearer authentication that loads the person and their profile in one query."""
from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from backend.people.models import User


class ProfileJWTAuthentication(JWTAuthentication):
    """simplejwt's `get_user` with its checks (active, revoked by a password change) unchanged,
    except that the profile is joined: nearly every endpoint reads `request.user.profile`
    (language, time zone, interests), which would otherwise cost a second query per request."""

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, Token] | None:  # type: ignore[override]  # simplejwt's unbound TypeVar
        """Once the person is known, their profile's language replaces the request's
        Accept-Language (LocaleMiddleware's choice) for the rest of the request: messages, errors
        and warnings are then written for them, whatever the phone's locale says."""
        authenticated = super().authenticate(request)
        user = authenticated[0] if authenticated is not None else None
        if isinstance(user, User) and hasattr(user, "profile"):
            translation.activate(user.profile.language)
        return authenticated

    # simplejwt declares the return as a TypeVar that nothing in the call binds, which no override can match.
    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]  # simplejwt's unbound TypeVar
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(_("Token contained no recognizable user identification")) from e
        try:
            user = User.objects.select_related("profile").get(**{api_settings.USER_ID_FIELD: user_id})
        except User.DoesNotExist as e:
            raise AuthenticationFailed(_("User not found"), code="user_not_found") from e
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user


class ProfileJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme stays simplejwt's bearer JWT."""

    target_class = "mobile_api.authentication.ProfileJWTAuthentication"
