"""Console fixtures: Django test clients signed in with a real session, per person of the bank."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from backend.console.access import SESSION_LANGUAGE


@pytest.fixture
def browser_for(db) -> Callable[..., Client]:
    """A test client with a session for `user`; `csrf=True` makes it check CSRF like a browser.
    The console's language is English unless `language` says otherwise (None: the person's own)."""

    def make(user, *, csrf: bool = False, language: str | None = "en") -> Client:
        client = Client(enforce_csrf_checks=csrf)
        if user is not None:
            client.force_login(user)
            if language:
                session = client.session
                session[SESSION_LANGUAGE] = language
                session.save()
        return client

    return make
