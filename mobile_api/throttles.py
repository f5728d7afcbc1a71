"""Throttles. They live in the cache (Redis in production), so all web processes share them.

All of them fail open: when the cache (Redis) is down, a request is let through and the
failure is logged, because refusing every request would turn a cache outage into a full one.
"""
from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

if TYPE_CHECKING:  # DRF imports throttles while building APIView: no runtime import here
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class FailOpenMixin:
    def allow_request(self, request: Request, view: "APIView") -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception:  # redis.exceptions.ConnectionError, TimeoutError, ...
            logger.warning("throttle cache unavailable; letting the request through", exc_info=False)
            return True


class AnonThrottle(FailOpenMixin, AnonRateThrottle):
    pass


class UserThrottle(FailOpenMixin, UserRateThrottle):
    pass


class LoginIpThrottle(FailOpenMixin, SimpleRateThrottle):
    scope = "login"

    def get_cache_key(self, request: Request, view: "APIView") -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginEmailThrottle(FailOpenMixin, SimpleRateThrottle):
    """Per account, so that guessing one person's password from many addresses is slow too."""

    scope = "login_email"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email:
            return None
        # Hashed: the cache is not a place for e-mail addresses either.
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}
