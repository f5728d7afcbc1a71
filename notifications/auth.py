"""Websocket authentication: the JWT in the Authorization header (mobile), or a short-lived
single-use ticket in the query string (browsers). Never a long-lived token in a URL."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.contrib.auth.models import AnonymousUser

from backend.people.auth import AccessTokenAuthentication


@database_sync_to_async
def _user_from_jwt(raw: str) -> Any:
    # The API's validator, checks and all: a token HTTP refuses must not open a socket either.
    return AccessTokenAuthentication().user_for_raw_token(raw)


@database_sync_to_async
def _user_from_ticket(key: str) -> Any:
    from notifications.services import ws_ticket_redeem

    return ws_ticket_redeem(key=key)


class JWTAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        user = None
        headers = dict(scope.get("headers") or [])
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        if authorization.lower().startswith("bearer "):
            user = await _user_from_jwt(authorization[7:].strip())
        else:
            ticket = parse_qs(scope.get("query_string", b"").decode()).get("ticket", [""])[0]
            if ticket:
                user = await _user_from_ticket(ticket)
        scope["user"] = user or AnonymousUser()
        return await super().__call__(scope, receive, send)


class AppOrSameHostOriginValidator(OriginValidator):
    """Channels' AllowedHostsOriginValidator, except that a handshake without an Origin header is let
    through: native apps send none, and browsers (the only place cross-site websocket hijacking
    happens) always send one, which is then checked against ALLOWED_HOSTS (read per handshake)."""

    def valid_origin(self, parsed_origin: Any) -> bool:
        if parsed_origin is None:
            return True
        from django.conf import settings

        self.allowed_origins = list(settings.ALLOWED_HOSTS) or (
            ["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else []
        )
        return self.validate_origin(parsed_origin)


def origin_validator(application: Any) -> AppOrSameHostOriginValidator:
    return AppOrSameHostOriginValidator(application, [])
