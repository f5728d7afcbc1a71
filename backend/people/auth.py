"""How people prove who they are: one password check and one access-token validator for every way in.

`ThrottledEmailBackend` is the only password backend: the API's token view, the console's and
the admin's sign-in forms (and any later way in that calls Django's `authenticate()`) all count
against the same sign-in limits (`backend.core.throttles`). With `AUTH_PASSWORD_LOGIN` off it
refuses every password, whoever asks (issue 17: single sign-on only).

`AccessTokenAuthentication` validates an access token the same way for HTTP (the API's
authentication class) and the websocket (its handshake middleware): simplejwt's own validation
(signature, expiry, type), simplejwt's revocation claim (a hash of the password: a password change
revokes every token), the person being active, and our denylist in the cache: a token logged out
(by `jti`) or issued before the person logged out everywhere (by `iat`), until it expires anyway.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from backend.core.throttles import login_attempt_check, login_attempt_record
from backend.people.models import User

logger = logging.getLogger(__name__)


class ThrottledEmailBackend(ModelBackend):
    """Django's ModelBackend (e-mail as the username, matched case-insensitively by the manager),
    with the sign-in limits around the password check. Without a request (a management command, the
    test client's `login()`) there is no client to count against, so nothing is counted."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> User | None:
        email = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if password is not None and not settings.AUTH_PASSWORD_LOGIN:
            return None
        if request is None or not isinstance(email, str) or password is None:
            return super().authenticate(request, username=email, password=password)
        login_attempt_check(request=request, email=email)
        user = super().authenticate(request, username=email, password=password)
        login_attempt_record(request=request, email=email, succeeded=user is not None)
        return user


def _denied_jti_key(jti: str) -> str:
    return f"jwt-denied:{jti}"


def _revoked_before_key(user_id: int) -> str:
    return f"jwt-revoked-before:{user_id}"


def _remaining_lifetime(token: Token) -> int:
    return max(1, int(token.get("exp", 0) - time.time()) + 1)


def access_token_deny(*, token: Token) -> None:
    """Refuse this access token (by `jti`) from now until it expires (logout)."""
    cache.set(_denied_jti_key(str(token["jti"])), 1, timeout=_remaining_lifetime(token))


def access_tokens_revoke_all(*, user_id: int) -> None:
    """Refuse every access token of this person issued until now (logout everywhere, deactivation).
    Kept as long as a fresh access token lives; older tokens have expired by then anyway."""
    lifetime = int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds())
    cache.set(_revoked_before_key(user_id), time.time(), timeout=lifetime + 1)


class AccessTokenAuthentication(JWTAuthentication):
    """simplejwt's JWTAuthentication with its checks, plus the denylist; the profile is joined
    because nearly every endpoint reads `request.user.profile`."""

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
        if self._denied(validated_token, user.pk):
            raise AuthenticationFailed(_("Token has been revoked."), code="token_revoked")
        return user

    @staticmethod
    def _denied(token: Token, user_id: int) -> bool:
        jti_key, user_key = _denied_jti_key(str(token.get("jti", ""))), _revoked_before_key(user_id)
        try:
            found = cache.get_many([jti_key, user_key])
        except Exception:  # noqa: BLE001 - Redis down: fail open like the throttles; the token still expires
            logger.warning("token denylist unavailable; accepting a signed, unexpired token")
            return False
        revoked_before = found.get(user_key)
        return jti_key in found or (revoked_before is not None and float(token.get("iat", 0)) <= revoked_before)

    def user_for_raw_token(self, raw: str) -> User | None:
        """The websocket's entry: the person for an encoded access token, or None if it fails any check."""
        try:
            return self.get_user(self.get_validated_token(raw.encode()))
        except (InvalidToken, AuthenticationFailed):
            return None
