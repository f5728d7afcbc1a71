"""The API's request throttles (`anon` per address, `user` per account), named in
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]: fixed-window counters from `backend.core.throttles`,
which also holds the sign-in throttles the API shares with the console."""
from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.request import Request

from backend.core.throttles import FixedWindowThrottle

if TYPE_CHECKING:  # DRF imports throttles while building APIView: no runtime import here
    from rest_framework.views import APIView


class AnonThrottle(FixedWindowThrottle):
    scope = "anon"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserThrottle(FixedWindowThrottle):
    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        if request.user and request.user.is_authenticated:
            ident = str(request.user.pk)
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
