"""Log lines carry the request id and never third-party contact details."""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from backend.core.logging import RedactContactsFilter, RelayJsonFormatter, RequestIdFilter
from backend.core.request_context import log_context, log_context_clear, request_id_var


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


# --- Issue 20: JSON lines with the request, person, signal and task ids -------------------------------
def console_handler() -> logging.Handler:
    """The handler settings.LOGGING installed on the root logger (the one production writes with)."""
    return next(h for h in logging.getLogger().handlers
                if any(isinstance(f, RedactContactsFilter) for f in h.filters))


@pytest.fixture
def log_lines():
    """What the configured console handler writes, one parsed JSON object a line."""
    import io

    handler = console_handler()
    assert isinstance(handler, logging.StreamHandler)
    assert isinstance(handler.formatter, RelayJsonFormatter)  # LOG_FORMAT defaults to json with DEBUG off
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.setStream(previous)


@pytest.mark.django_db
def test_a_requests_json_lines_name_the_request_the_person_and_the_signal(bank, client_for, log_lines) -> None:
    response = client_for(bank.emma).post(
        "/api/v1/signals/", {"text": "Mijn buurman wil zijn hypotheek oversluiten, bel hem op 0612345678.",
                             "kind": "lead", "contact": {"name": "Jan", "phone": "0612345678", "language": "nl"},
                             "contact_consent": True}, format="json", HTTP_X_REQUEST_ID="req-metrics-0001")
    assert response.status_code == 201, response.content

    lines = log_lines()
    submitted = next(line for line in lines if line["message"].startswith("signal submitted"))
    assert submitted["request_id"] == "req-metrics-0001" == response["X-Request-ID"]
    assert submitted["person_id"] == bank.emma.pk
    assert submitted["signal_id"] == response.json()["id"]
    assert {"time", "level", "logger", "task_id"} <= set(submitted)
    written = json.dumps(lines)
    assert "0612345678" not in written and "+31612345678" not in written


def test_extra_fields_of_a_json_line_are_redacted_too(log_lines) -> None:
    log_context_clear()  # as a request or a task starts (a service test before may have left a signal)
    with log_context(signal_id=42, person_id=7):
        logging.getLogger("relay.test").warning(
            "calling %s", "+31 6 1234 5678",
            extra={"contact": "jan.devries@gmail.com", "data": {"iban": "NL91 ABNA 0417 1643 00"}},
        )
    logging.getLogger("relay.test").warning("after the block")

    during, after = log_lines()
    assert (during["signal_id"], during["person_id"], during["message"]) == (42, 7, "calling [phone]")
    assert during["contact"] == "[email]"
    assert "0417" not in during["data"] and "[iban]" in during["data"]
    assert (after["signal_id"], after["person_id"]) == (None, None)


def test_a_json_line_has_an_unambiguous_time_and_no_terminal_colours(log_lines) -> None:
    # uvicorn logs with extra={"color_message": <its format string with ANSI escapes>}; a log shipper
    # wants neither that nor a local time without an offset (an hour repeats each autumn).
    # (A logger of ours: a uvicorn server started by an earlier test reconfigures uvicorn's own.)
    logging.getLogger("relay.test").warning("Started server process [%d]", 4242,
                                            extra={"color_message": "Started server process [\x1b[36m%d\x1b[0m]"})

    (line,) = log_lines()
    assert line["message"] == "Started server process [4242]"
    assert "color_message" not in line
    written = datetime.fromisoformat(line["time"])
    assert written.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - written) < timedelta(minutes=1)


CELERY_WORKER_LOGGING = """
import logging, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()
from backend.celery import app
from backend.core.request_context import log_context

app.log.setup_logging_subsystem(loglevel="INFO")  # what `celery worker` does at start

@app.task(name="relay.test_log_line")
def log_line():
    with log_context(signal_id=42):
        logging.getLogger("relay.test").warning("calling %s about it", "+31 6 1234 5678")

log_line.apply(task_id="task-0000-1111")
"""


def test_a_celery_worker_writes_json_lines_with_the_task_and_signal_ids_and_no_contact_details() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "LOG_FORMAT": "json"}
    done = subprocess.run([sys.executable, "-c", CELERY_WORKER_LOGGING], capture_output=True, text=True,
                          env=env, timeout=120, check=False)

    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    ours = [line for line in lines if line["logger"] == "relay.test"]
    assert len(ours) == 1, done.stderr[-2000:]  # Celery did not replace Django's handlers with its own
    assert (ours[0]["task_id"], ours[0]["signal_id"]) == ("task-0000-1111", 42)
    assert "1234" not in done.stderr and ours[0]["message"] == "calling [phone] about it"


@pytest.mark.django_db
def test_a_console_request_names_the_signed_in_person_and_the_signal(bank, client, log_lines) -> None:
    from django.urls import reverse

    from tests.factories import SignalFactory

    lead = SignalFactory.create(submitter=bank.emma, team=bank.sales_nl)
    client.force_login(bank.sam)  # the console's session sign-in

    response = client.post(reverse("console:signal-claim", args=[lead.pk]), HTTP_X_REQUEST_ID="req-console-0001")
    logging.getLogger("relay.test").warning("after the request")

    assert response.status_code == 302
    claimed = next(line for line in log_lines() if line["message"].startswith("signal claimed"))
    assert (claimed["request_id"], claimed["person_id"], claimed["signal_id"]) == ("req-console-0001", bank.sam.pk,
                                                                                   lead.pk)
    after = log_lines()[-1]
    assert (after["request_id"], after["person_id"], after["signal_id"]) == ("-", None, None)  # scoped to the request
