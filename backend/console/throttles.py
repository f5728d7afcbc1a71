"""Sign-in throttles of the console: the API's rates (`login` per address, `login_email` per
account) and the same cache keys, so guesses through the API and the console count together.
Like the API's, they fail open when the cache (Redis) is down."""
from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class _LoginThrottle(SimpleRateThrottle):
    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - a cache outage must not lock everyone out
            logger.warning("throttle cache unavailable; letting the sign-in through", exc_info=False)
            return True


class LoginAddressThrottle(_LoginThrottle):
    scope = "login"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginAccountThrottle(_LoginThrottle):
    scope = "login_email"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        email = request.POST.get("username") or ""
        if not email:
            return None
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


def login_allowed(request: HttpRequest) -> tuple[bool, int]:
    """(allowed, seconds to wait). Every throttle counts the attempt, as DRF's view does."""
    waits = []
    for throttle in (LoginAddressThrottle(), LoginAccountThrottle()):
        if not throttle.allow_request(request, None):
            waits.append(int(throttle.wait() or 60))
    return (not waits, max(waits, default=0))
