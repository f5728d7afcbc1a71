"""Throttles. They live in the cache (Redis in production), so all web processes share them.

Here, below every way in, are the counting and the sign-in limits. Every password check goes through
one authentication backend (`backend.people.auth`), whoever asks: the API's token view, the
console's and the admin's sign-in forms, and any later way in that calls Django's `authenticate()`.
The backend calls `login_attempt_check` before the check and `login_attempt_record` after it, so
guesses through one way in count against the others too:
- per client address, every attempt (`login` rate): generous, because an office or a mobile
  carrier's NAT puts many people behind one address;
- per (account, client address) pair, failures: after `LOGIN_BACKOFF_AFTER_FAILURES` the pair waits,
  twice as long after each further failure. The person themself, from their own device, is not
  locked out by someone guessing from elsewhere;
- across all accounts, failures per minute: above `LOGIN_FAILURES_ALERT_PER_MINUTE` an ERROR line
  is logged (once per minute) for the operators' alerting, and the count is readable
  (`login_failures_this_minute`). It does not refuse sign-ins: that would hand anyone a switch to
  lock everyone out.
Addresses come from `backend.core.addresses.client_address`, the one rule for the whole site.
The API's request throttles (`anon`, `user`) build on the same counter in `mobile_api.throttles`.

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
import math
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from backend.core.addresses import client_address
from backend.core.errors import DomainError

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

    def get_ident(self, request: Request) -> str:
        # DRF's own get_ident trusts X-Forwarded-For from anyone (NUM_PROXIES unset).
        return client_address(request)

    def timer(self) -> float:
        return time.time()


class LoginIpThrottle(FixedWindowThrottle):
    """Every sign-in attempt from one client address (`login` rate)."""

    scope = "login"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottled(DomainError):
    """Raised by the authentication backend: every way in answers it with 429 and the wait."""

    status_code = 429
    code = "throttled"

    def __init__(self, wait: int) -> None:
        super().__init__(f"Too many sign-in attempts. Try again in {wait} seconds.", extra={"retry_after": wait})
        self.wait = wait


def _pair_key(email: str, address: str) -> str:
    # Hashed: the cache is not a place for e-mail addresses either.
    digest = hashlib.sha256(f"{email.strip().casefold()}|{address}".encode()).hexdigest()[:32]
    return f"login-pair:{digest}"


def login_attempt_check(*, request: Any, email: str) -> None:
    """Count one sign-in attempt; raise `LoginThrottled` when the client or the (account, client)
    pair must wait. Fails open when the cache is down."""
    address_throttle = LoginIpThrottle()
    if not address_throttle.allow_request(request, None):  # type: ignore[arg-type]  # no view: not a DRF view
        raise LoginThrottled(math.ceil(address_throttle.wait() or 60))
    try:
        until = cache.get(_pair_key(email, client_address(request)) + ":until")
    except Exception:  # noqa: BLE001 - Redis down: fail open, like every throttle
        logger.warning("login back-off unavailable; letting the attempt through")
        return
    now = time.time()
    if until is not None and until > now:
        raise LoginThrottled(math.ceil(until - now))


def _incr(key: str, timeout: int) -> int:
    try:
        return int(cache.incr(key))
    except ValueError:  # the first one
        if cache.add(key, 1, timeout=timeout):
            return 1
        return int(cache.incr(key))


def login_attempt_record(*, request: Any, email: str, succeeded: bool) -> None:
    """After the password check: a success clears the pair's failures; a failure may start its
    back-off and counts toward the site-wide alert."""
    key = _pair_key(email, client_address(request))
    try:
        if succeeded:
            cache.delete_many([key, key + ":until"])
            return
        failures = _incr(key, settings.LOGIN_BACKOFF_RESET_SECONDS)
        free = settings.LOGIN_BACKOFF_AFTER_FAILURES
        if failures >= free:
            wait = min(settings.LOGIN_BACKOFF_BASE_SECONDS * 2 ** (failures - free),
                       settings.LOGIN_BACKOFF_MAX_SECONDS)
            cache.set(key + ":until", time.time() + wait, timeout=wait)
        minute = int(time.time() // 60)
        total = _incr(f"login-failures:{minute}", 120)
    except Exception:  # noqa: BLE001 - Redis down: fail open, like every throttle
        logger.warning("login back-off unavailable; the failure is not counted")
        return
    if total == settings.LOGIN_FAILURES_ALERT_PER_MINUTE + 1:  # once per minute, when it is crossed
        logger.error("ALERT: more than %d failed sign-ins in one minute across all accounts (password "
                     "spraying?)", settings.LOGIN_FAILURES_ALERT_PER_MINUTE)


def login_failures_this_minute() -> int:
    """Failed sign-ins across all accounts in the current minute (for monitoring and alerting)."""
    return int(cache.get(f"login-failures:{int(time.time() // 60)}") or 0)
