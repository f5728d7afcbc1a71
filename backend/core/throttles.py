"""Throttles. They live in the cache (Redis in production), so all web processes share them.

Here, below every way in, are the counting and the sign-in throttles: the API's token view and the
console's sign-in form count against the same `login` (per address) and `login_email` (per account)
counters, so guessing a password through one way in is slow through the other too. The API's
request throttles (`anon`, `user`) build on the same counter in `mobile_api.throttles`.

Each is a fixed-window counter: one atomic `INCR` per request. (DRF's own throttles keep a list of
timestamps per client and write it back on every request: O(rate) work per request, and two
processes reading the same list at once both write back their own version, so under load requests
go uncounted — not what a login throttle may do.) The price of a fixed window is that a client can
spend up to twice its rate across a window boundary.

All of them fail open: when the cache (Redis) is down, a request is let through and the
failure is logged, because refusing every request would turn a cache outage into a full one.
"""
from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # DRF imports throttles while building APIView: no runtime import here
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class FixedWindowThrottle(SimpleRateThrottle):
    """`num_requests` per `duration` seconds, counted atomically in the cache; fails open."""

    # Set by SimpleRateThrottle.__init__ from `rate` (parse_rate); declared for the type checker.
    num_requests: int
    duration: int

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        try:
            try:
                count = self.cache.incr(key)
            except ValueError:  # first request of the window
                if self.cache.add(key, 1, timeout=self.duration + 1):
                    count = 1
                else:  # another process created it in between
                    count = self.cache.incr(key)
        except Exception:  # noqa: BLE001 - Redis down (ConnectionError, TimeoutError, ...): fail open
            logger.warning("throttle cache unavailable; letting the request through", exc_info=False)
            return True
        return count <= self.num_requests

    def wait(self) -> float | None:
        return max(1.0, self.window_end - self.now)

    def timer(self) -> float:
        return time.time()


class LoginIpThrottle(FixedWindowThrottle):
    scope = "login"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginEmailThrottle(FixedWindowThrottle):
    """Per account, so that guessing one person's password from many addresses is slow too."""

    scope = "login_email"

    def email_of(self, request: Request) -> object:
        return request.data.get("email") if hasattr(request.data, "get") else None

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        email = self.email_of(request)
        if not isinstance(email, str) or not email:
            return None
        # Hashed: the cache is not a place for e-mail addresses either.
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}
