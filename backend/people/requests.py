"""The signed-in person behind a request, typed as our `User`.

Django and DRF type `request.user` as "a user or AnonymousUser". Views behind an authentication
check (DRF's `IsAuthenticated`, the console's sign-in gate) know better; this says so once, and
turns a view wired without that check into a refusal instead of acting as AnonymousUser.
"""
from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from backend.people.models import User


class _HasUser(Protocol):
    user: Any


def signed_in_user(request: _HasUser) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    return user
