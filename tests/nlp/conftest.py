"""Fixtures for the nlp tests: plain pytest, no Django.

The model is built (only when missing or stale) through nlp's own ``ensure`` so the tests
run the same code path as ``make test``.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def router():
    from nlp.router import get_router
    from nlp.training import ensure

    ensure(quiet=True)
    return get_router()
