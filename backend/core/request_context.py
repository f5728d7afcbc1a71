"""What a log line says about where it came from: the request, the person and the signal.

Kept in context variables, so that a log line in any layer carries them without being passed
along. `RequestIdMiddleware` scopes all three to one request; Celery clears them before each task
(backend/celery.py), so nothing carries over from one request or task to the next.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, ParamSpec, TypeVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
person_id_var: ContextVar[int | None] = ContextVar("person_id", default=None)
signal_id_var: ContextVar[int | None] = ContextVar("signal_id", default=None)

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def log_context(*, signal_id: int | None = None, person_id: int | None = None) -> Iterator[None]:
    """Log lines inside the block name this signal and/or person; the previous values come back after."""
    tokens: list[tuple[ContextVar[Any], Token[Any]]] = []
    if signal_id is not None:
        tokens.append((signal_id_var, signal_id_var.set(signal_id)))
    if person_id is not None:
        tokens.append((person_id_var, person_id_var.set(person_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def logs_signal(func: Callable[P, R]) -> Callable[P, R]:
    """A service about one signal (keyword `signal_id`, or `signal`): its log lines name it."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        signal_id: Any = kwargs.get("signal_id")
        if signal_id is None and kwargs.get("signal") is not None:
            signal_id = getattr(kwargs["signal"], "pk", None)
        with log_context(signal_id=signal_id if isinstance(signal_id, int) else None):
            return func(*args, **kwargs)

    return wrapper


def log_context_clear() -> None:
    """A new unit of work (a Celery task) starts with no person and no signal."""
    person_id_var.set(None)
    signal_id_var.set(None)
