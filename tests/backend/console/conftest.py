"""Console fixtures: Django test clients signed in with a real session, per person of the bank."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client


@pytest.fixture
def browser_for(db) -> Callable[..., Client]:  # type: ignore[no-untyped-def]
    """A test client with a session for `user`; `csrf=True` makes it check CSRF like a browser."""

    def make(user, *, csrf: bool = False) -> Client:  # type: ignore[no-untyped-def]
        client = Client(enforce_csrf_checks=csrf)
        if user is not None:
            client.force_login(user)
        return client

    return make
