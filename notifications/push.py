"""Push through firebase-admin's public API (FCM HTTP v1).

This module knows FCM: how to build a message, how to send batches, and what each error means
for us (retry later, drop the token, or give up). It knows nothing about our tables.

Sending uses `messaging.send_each_async(messages, app=app)` (HTTP/2 through httpx), not
`send_each`, which opens a thread per message. The SDK builds one `httpx.AsyncClient` per App's
messaging service, and httpx keeps its connections in a pool whose sockets belong to the event
loop that opened them: an App must therefore live with one loop. Two cases:

- A Celery worker process: `worker_process_init` (a worker's pool process, never a web process)
  creates one `asyncio.Runner` and, on first push, one App. Every task runs its sends with that
  runner, so TLS connections and the OAuth token are reused from task to task.
- Anywhere else (eager Celery in the embedded default, a management command, a test): each call
  gets its own App and runner, and deletes both when done. Correct in any thread, also a sync view's
  thread beside the ASGI server's loop; slower, which is fine where no worker runs.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import firebase_admin
from django.conf import settings
from firebase_admin import credentials, exceptions, messaging

logger = logging.getLogger(__name__)
# httpx logs every request at INFO: for a story to 10,000 people that is 10,000 lines (and time).
logging.getLogger("httpx").setLevel(logging.WARNING)

MAX_BATCH = 500  # FCM's limit for send_each / send_each_async


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # 429, 5xx, network: try again later
    BAD_TOKEN = "bad_token"  # UNREGISTERED, SENDER_ID_MISMATCH, INVALID_ARGUMENT about the token
    FAILED = "failed"  # any other permanent error


@dataclass(frozen=True)
class PushMessage:
    token: str
    fid: str = ""  # the Firebase installation id: the SDK's preferred target when the app sent one
    title: str = ""
    body: str = ""
    data: dict[str, str] = field(default_factory=dict)
    collapse_key: str = ""
    high_priority: bool = False
    silent: bool = False


@dataclass(frozen=True)
class PushResult:
    outcome: Outcome
    message_id: str = ""
    error: str = ""
    retry_after: float = 0.0  # FCM's Retry-After on a 429, in seconds


def push_configured() -> bool:
    return bool(settings.FIREBASE_CREDENTIALS)


# --- the App and the loop it lives on ----------------------------------------------------------
class Sender:
    """One firebase-admin App and the runner whose loop its HTTP connections belong to."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self._app: firebase_admin.App | None = None

    @property
    def app(self) -> firebase_admin.App:
        if self._app is None:
            path = settings.FIREBASE_CREDENTIALS
            with open(path, encoding="utf-8") as f:
                project_id = json.load(f).get("project_id")
            self._app = firebase_admin.initialize_app(
                credentials.Certificate(path),
                options={"projectId": project_id, "httpTimeout": settings.FCM_HTTP_TIMEOUT_SECONDS},
                name=f"relay-{uuid.uuid4().hex}",
            )
        return self._app

    def close(self) -> None:
        # delete_app closes the SDK's client (its own asyncio.run): done while our loop is still
        # open, so the connections' transports can be released on it when the runner closes.
        if self._app is not None:
            try:
                firebase_admin.delete_app(self._app)
            except Exception:
                logger.debug("closing the FCM client failed", exc_info=True)
            self._app = None
        self.runner.close()


_worker_sender: Sender | None = None


def worker_start() -> None:
    """Called at Celery's `worker_process_init`: this process sends for as long as it lives."""
    global _worker_sender
    _worker_sender = Sender()


def worker_stop() -> None:
    """Called at Celery's `worker_process_shutdown`."""
    global _worker_sender
    if _worker_sender is not None:
        _worker_sender.close()
        _worker_sender = None


def worker_sender() -> Sender | None:
    """This worker process's sender; None outside a worker."""
    return _worker_sender


@contextmanager
def sender() -> Iterator[Sender]:
    """The worker's long-lived sender, or one for this call only."""
    if _worker_sender is not None:
        yield _worker_sender
        return
    once = Sender()
    try:
        yield once
    finally:
        once.close()


# --- building messages --------------------------------------------------------------------------
def _shared_parts(msg: PushMessage) -> tuple[messaging.Notification | None, messaging.AndroidConfig,
                                             messaging.APNSConfig]:
    notification = None if msg.silent else messaging.Notification(title=msg.title, body=msg.body)
    android = messaging.AndroidConfig(
        priority="high" if msg.high_priority else "normal", collapse_key=msg.collapse_key or None, ttl=86400,
    )
    apns = messaging.APNSConfig(
        headers={
            "apns-priority": "10" if msg.high_priority and not msg.silent else "5",
            **({"apns-collapse-id": msg.collapse_key[:64]} if msg.collapse_key else {}),
            **({"apns-push-type": "background"} if msg.silent else {}),
        },
        payload=messaging.APNSPayload(aps=messaging.Aps(content_available=True if msg.silent else None)),
    )
    return notification, android, apns


def build_all(batch: list[PushMessage]) -> list[messaging.Message]:
    """SDK messages. A story to 10,000 people is 10,000 messages that differ only in target and
    data: the notification/Android/APNs parts are built once per distinct content."""
    parts: dict[tuple[Any, ...], Any] = {}
    out = []
    # firebase-admin 7 deprecates `token` for `fid`. Devices whose app sent an installation id are
    # addressed by it; older apps have only a registration token, which FCM still accepts, so the
    # warning is silenced for those messages only, as the SDK does for its own multicast.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Message.token is deprecated", category=DeprecationWarning)
        for msg in batch:
            key = (msg.title, msg.body, msg.collapse_key, msg.high_priority, msg.silent)
            if key not in parts:
                parts[key] = _shared_parts(msg)
            notification, android, apns = parts[key]
            target = {"fid": msg.fid} if msg.fid else {"token": msg.token}
            out.append(messaging.Message(**target, notification=notification, data=msg.data, android=android,
                                         apns=apns))
    return out


# --- what FCM answered ----------------------------------------------------------------------------
def classify_error(exc: BaseException) -> Outcome:
    if isinstance(exc, (messaging.UnregisteredError, messaging.SenderIdMismatchError)):
        return Outcome.BAD_TOKEN
    if isinstance(exc, exceptions.InvalidArgumentError):
        # INVALID_ARGUMENT is about the token when FCM says so; otherwise our message was wrong.
        return Outcome.BAD_TOKEN if "token" in str(exc).lower() else Outcome.FAILED
    if isinstance(exc, (messaging.QuotaExceededError, exceptions.ResourceExhaustedError,
                        exceptions.UnavailableError, exceptions.InternalError,
                        exceptions.DeadlineExceededError, exceptions.UnknownError)):
        return Outcome.RETRY
    if isinstance(exc, exceptions.FirebaseError) and exc.http_response is not None:
        status = exc.http_response.status_code
        if status == 429 or status >= 500:
            return Outcome.RETRY
    return Outcome.FAILED


def _retry_after(exc: BaseException) -> float:
    response = getattr(exc, "http_response", None)
    try:
        return max(float(response.headers.get("Retry-After", 0)), 0.0) if response is not None else 0.0
    except ValueError:  # an HTTP date: FCM sends seconds
        return 0.0


def _result(response: messaging.SendResponse) -> PushResult:
    if response.success:
        return PushResult(Outcome.SENT, message_id=response.message_id or "")
    exc: Any = response.exception
    return PushResult(classify_error(exc), error=f"{type(exc).__name__}: {exc}"[:300], retry_after=_retry_after(exc))


def _whole_batch(size: int, exc: BaseException) -> list[PushResult]:
    outcome = classify_error(exc) if isinstance(exc, exceptions.FirebaseError) else Outcome.RETRY
    logger.warning("FCM batch of %d failed: %s", size, type(exc).__name__)
    return [PushResult(outcome, error=f"{type(exc).__name__}: {exc}"[:300]) for _ in range(size)]


def batch_deadline_seconds() -> float:
    """How long one batch may take in all: every request has the HTTP timeout, and the SDK retries
    a 500/503 up to 4 times with back-off. Past this the batch counts as a retry."""
    return settings.FCM_HTTP_TIMEOUT_SECONDS * 5 + 10


async def _send_wave(batches: list[list[messaging.Message]], app: firebase_admin.App) -> list[Any]:
    async def one(messages: list[messaging.Message]) -> Any:
        return await asyncio.wait_for(messaging.send_each_async(messages, app=app), batch_deadline_seconds())

    return await asyncio.gather(*(one(m) for m in batches), return_exceptions=True)


def send_waves(batches: list[list[PushMessage]]) -> Iterator[list[tuple[int, list[PushResult]]]]:
    """Send batches of up to 500 messages, `FCM_BATCHES_IN_FLIGHT` at a time (a wave), and yield
    each wave's (batch index, one result per message in order) when the whole wave is answered.

    The caller records progress between waves, so a crash re-sends at most the wave in flight.
    """
    if any(len(b) > MAX_BATCH for b in batches):
        raise ValueError(f"at most {MAX_BATCH} messages per batch")
    size = max(settings.FCM_BATCHES_IN_FLIGHT, 1)
    with sender() as s:
        for start in range(0, len(batches), size):
            wave = batches[start:start + size]
            answers = s.runner.run(_send_wave([build_all(b) for b in wave], s.app))
            for answer in answers:
                if isinstance(answer, BaseException) and not isinstance(answer, Exception):
                    raise answer  # cancelled, interrupted: not FCM's answer
            yield [
                (start + i, _whole_batch(len(wave[i]), answer) if isinstance(answer, Exception)
                 else [_result(r) for r in answer.responses])
                for i, answer in enumerate(answers)
            ]


def send_batch(messages: list[PushMessage]) -> list[PushResult]:
    """Send up to 500 messages; one result per message, in order."""
    if not messages:
        return []
    return next(send_waves([messages]))[0][1]
