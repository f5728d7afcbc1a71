"""Logging filters: every record carries the request id, and no record carries contact details.

Third-party phone numbers, e-mail addresses and IBANs must never reach a log sink, whatever
code logged them (ours, Django's, a library's exception message). The redaction runs on the
final formatted message and on exception text, so it also covers `%`-style arguments.
"""
from __future__ import annotations

import logging

from backend.core.request_context import request_id_var
from nlp.contacts import redact


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RedactContactsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string (or an argument's __str__) must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Exception messages may quote user input; format the traceback now and redact it.
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True
