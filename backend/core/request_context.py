"""The current request id, kept in a context variable so that log lines in any layer carry it."""
from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
