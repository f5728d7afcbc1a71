"""Log lines carry the request id and never third-party contact details."""
from __future__ import annotations

import logging

import pytest

from backend.core.logging import RedactContactsFilter, RequestIdFilter
from backend.core.request_context import request_id_var


def make_record(msg: str, args: tuple = (), exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("relay.test", logging.INFO, __file__, 1, msg, args, exc_info)


@pytest.mark.parametrize(
    "secret",
    ["+31 6 1234 5678", "06-12345678", "+45 20 12 34 56", "jan.devries@gmail.com", "NL91 ABNA 0417 1643 00"],
)
def test_contact_details_are_redacted_from_messages_and_arguments(secret: str) -> None:
    record = make_record("signal from %s captured", (secret,))

    RedactContactsFilter().filter(record)

    assert secret not in record.getMessage()
    assert "signal from" in record.getMessage()


def test_contact_details_are_redacted_from_exception_text() -> None:
    try:
        raise ValueError("could not parse jan.devries@gmail.com / 06-12345678")
    except ValueError:
        import sys

        record = make_record("boom", exc_info=sys.exc_info())

    RedactContactsFilter().filter(record)
    formatted = logging.Formatter().format(record)

    assert "jan.devries@gmail.com" not in formatted
    assert "06-12345678" not in formatted
    assert "ValueError" in formatted


def test_amounts_and_dates_survive_redaction() -> None:
    record = make_record("mortgage of 250.000 euro on 12-03-2026, request 8812")

    RedactContactsFilter().filter(record)

    assert record.getMessage() == "mortgage of 250.000 euro on 12-03-2026, request 8812"


def test_request_id_is_added_to_every_record() -> None:
    token = request_id_var.set("req-12345678")
    try:
        record = make_record("hello")
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)

    assert record.__dict__["request_id"] == "req-12345678"  # what a format string's %(request_id)s reads
