"""Sign-in throttles of the console: the same fixed-window counters as the API's token view
(`login` per address, `login_email` per account, from `backend.core.throttles`), so that guesses
through the API and the console count together. They fail open when the cache (Redis) is down."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from backend.core.throttles import LoginEmailThrottle, LoginIpThrottle


class LoginAccountThrottle(LoginEmailThrottle):
    """The console's form names the e-mail address `username` (Django's login form)."""

    def email_of(self, request: Any) -> object:
        return request.POST.get("username")


def login_allowed(request: HttpRequest) -> tuple[bool, int]:
    """(allowed, seconds to wait). Every throttle counts the attempt, as DRF's view does."""
    waits = []
    for throttle in (LoginIpThrottle(), LoginAccountThrottle()):
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]
            waits.append(int(throttle.wait() or 60))
    return (not waits, max(waits, default=0))
