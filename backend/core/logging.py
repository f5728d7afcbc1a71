"""Logging filters and the JSON formatter: every record carries the request id, the person and the
signal where known (and the Celery task id in a worker), and no record carries contact details.

Third-party phone numbers, e-mail addresses and IBANs must never reach a log sink, whatever
code logged them (ours, Django's, a library's exception message). The redaction runs on the
final formatted message, on exception text and on string values passed in `extra=`, so it covers
`%`-style arguments and the extra keys the JSON formatter writes out as fields.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from backend.core.request_context import person_id_var, request_id_var, signal_id_var
from nlp.contacts import redact

# The attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id", "person_id", "signal_id", "task_id",
}


def _task_id() -> str | None:
    # Celery's public `current_task` proxy: None outside a task (web processes, beat).
    from celery import current_task

    task = current_task
    request = getattr(task, "request", None) if task else None
    task_id = getattr(request, "id", None)
    return str(task_id) if task_id else None


class RequestIdFilter(logging.Filter):
    """Adds request_id ("-" outside a request), person_id, signal_id and task_id (None when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.person_id = person_id_var.get()
        record.signal_id = signal_id_var.get()
        record.task_id = _task_id()
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
        for key, value in list(vars(record).items()):
            # The JSON formatter writes `extra=` keys out as fields: they are redacted like the message.
            if key in _STANDARD_ATTRIBUTES or value is None or isinstance(value, bool | int | float):
                continue
            # Anything else (a request object, a dict) would be written out with str(): redact that.
            setattr(record, key, redact(value if isinstance(value, str) else str(value)))
        return True


class RelayJsonFormatter(JsonFormatter):
    """One JSON object per line (python-json-logger), with the context fields always present.

    `time` is ISO 8601 in UTC ("2026-12-07T23:04:32.575+00:00"): a local time without an offset is
    ambiguous for an hour each autumn and across hosts. uvicorn's `color_message` extra (its format
    string with terminal colours) is left out.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "color_message"])
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(person_id)s %(signal_id)s %(task_id)s",
            **kwargs,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
