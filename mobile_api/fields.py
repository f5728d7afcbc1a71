"""Integers a client sends, bounded to the range of the column they end up in or are compared
with, so an out-of-range number is a 400 naming the field rather than a database error (bigint
overflow on PostgreSQL, `OverflowError` on SQLite)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from rest_framework import serializers

from backend.core.errors import DomainError
from backend.listening import lifecycle

# Every primary key is a BigAutoField (settings.DEFAULT_AUTO_FIELD); the positive half of bigint.
ID_MAX = models.BigIntegerField.MAX_BIGINT
# PositiveIntegerField: the range every supported database guarantees.
POSITIVE_INT_MAX = 2_147_483_647
# A person's network on one channel: LinkedIn's own limit is 30,000 connections; more is a typo or
# an attempt to inflate the estimated reach.
NETWORK_SIZE_MAX = 30_000


class IdField(serializers.IntegerField):
    """The id of a row: 1 … 2⁶³−1."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class CountField(serializers.IntegerField):
    """A count stored in a PositiveIntegerField (or a JSON number compared with one): 0 … 2³¹−1
    unless the caller narrows it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", POSITIVE_INT_MAX)
        super().__init__(**kwargs)


def id_param(value: str, *, name: str) -> int:
    """A query parameter that must be a row id; anything else is a 400 naming the parameter."""
    if value.isascii() and value.isdigit() and 1 <= int(value) <= ID_MAX:
        return int(value)
    raise DomainError(_("%(name)s must be an id (a whole number from 1 to %(max)d).") % {"name": name, "max": ID_MAX},
                      code="validation_error",
                      fields={name: [_("Invalid value.")]})


class WebURLField(serializers.URLField):
    """A link people will open from the app: `https` only (`http` too with DEBUG, for local
    testing), and no user name or password in it (`https://bank.example@evil.example/` reads as the
    bank's address but leads elsewhere)."""

    default_error_messages = {
        "scheme": "Use an https:// link.",
        "userinfo": "A link may not contain a user name or password.",
    }

    def to_internal_value(self, data: Any) -> str:
        url: str = super().to_internal_value(data)
        parts = urlsplit(url)
        if parts.scheme != "https" and not (settings.DEBUG and parts.scheme == "http"):
            self.fail("scheme")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            self.fail("userinfo")
        return url


# Every status a signal can have, for the enums of the schema.
SIGNAL_STATUSES = sorted(lifecycle.ALL_STATUSES)

# A UUID as text, any case, as an app's UUID library writes it.
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
