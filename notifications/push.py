"""Push through the real firebase-admin SDK (FCM HTTP v1).

This module knows FCM: how to build a message, how to send batches, and what each error means
for us (retry later, drop the token, or give up). It knows nothing about our tables.

Sending uses the SDK's `messaging.send_each_async` (httpx, asyncio) rather than `send_each`,
which starts a thread per message. The sends run on the process's background loop
(`notifications.background`, shared with live events), so callers stay synchronous: they hand a
coroutine over and wait for its future. Several batches are in flight at once; the caller records each batch as it finishes.
Measured ceiling on the 2-core machine: ~450-500 messages/s per process for the SDK alone (httpx
and httpcore spend ~1-2 ms of CPU per request); more throughput means more worker processes.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import firebase_admin
import httpx
from django.conf import settings
from firebase_admin import _http_client, _retry, credentials, exceptions, messaging

from notifications.background import background_loop

logger = logging.getLogger(__name__)
# httpx logs every request at INFO: for a story to 10,000 people that is 10,000 lines (and time).
logging.getLogger("httpx").setLevel(logging.WARNING)

MAX_BATCH = 500  # FCM's limit for send_each / send_each_async
_APP_NAME = "relay"
_lock = threading.Lock()
_tune_lock = threading.Lock()

# firebase-admin 7 deprecates `token` in favour of `fid`; apps that do not send an installation id
# still have only a registration token, which FCM keeps accepting. Filtered once here: a
# catch_warnings() around every message costs more than building the message.
warnings.filterwarnings("ignore", message="Message.token is deprecated", category=DeprecationWarning)


class Outcome(str, Enum):
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


def push_configured() -> bool:
    return bool(settings.FIREBASE_CREDENTIALS)


# --- the SDK app and its async client, one per process ------------------------------------------
# id() of each messaging service whose async client we rebuilt -> the loop its connections belong to.
_tuned: dict[int, asyncio.AbstractEventLoop] = {}


def _app() -> firebase_admin.App:
    with _lock:
        try:
            app = firebase_admin.get_app(_APP_NAME)
        except ValueError:
            path = settings.FIREBASE_CREDENTIALS
            with open(path, encoding="utf-8") as f:
                project_id = json.load(f).get("project_id")
            app = firebase_admin.initialize_app(
                credentials.Certificate(path),
                options={"projectId": project_id, "httpTimeout": settings.FCM_HTTP_TIMEOUT_SECONDS},
                name=_APP_NAME,
            )
    _size_pool(app)
    return app


def _size_pool(app: firebase_admin.App) -> None:
    """Give the SDK's async client a keep-alive pool as large as the requests we keep in flight.

    firebase-admin builds its httpx client with httpx's defaults (100 connections, 20 kept alive).
    httpcore then closes a connection each time one goes idle while more than 20 exist, and its
    pool bookkeeping walks every queued request and every connection on each send, so 500
    concurrent sends crawl (profiled). We swap in the same client (the SDK's auth flow, retry
    transport, headers and timeout) with a pool exactly as large as what we send at once, so
    nothing queues and every connection is kept alive; smaller pools are cheaper per request. The retry policy
    is the SDK's (500/503 with back-off), plus Retry-After honoured, as its blocking client does.
    """
    service = messaging._get_messaging_service(app)
    loop = background_loop()
    with _tune_lock:  # two threads sending the first push must not both swap the client
        if _tuned.get(id(service)) is loop:
            return
        size = max(settings.FCM_BATCH_SIZE * settings.FCM_BATCHES_IN_FLIGHT, 1)
        sdk_client = service._async_client
        retry = _retry.HttpxRetry(max_retries=4, status_forcelist=[500, 503], backoff_factor=0.5,
                                  respect_retry_after_header=True)
        transport = _retry.HttpxRetryTransport(
            retry=retry, limits=httpx.Limits(max_connections=size, max_keepalive_connections=size,
                                             keepalive_expiry=30))
        sdk_client._async_client = httpx.AsyncClient(
            http2=True, timeout=sdk_client.timeout, headers=sdk_client._headers,
            auth=_http_client.GoogleAuthCredentialFlow(service._credential),
            mounts={"http://": transport, "https://": transport},
        )
        _tuned[id(service)] = loop


def reset_app() -> None:
    """Forget the Firebase app (tests switch credentials and endpoints)."""
    with _lock:
        try:
            app = firebase_admin.get_app(_APP_NAME)
        except ValueError:
            return
    service = messaging._get_messaging_service(app)
    loop = _tuned.pop(id(service), None)
    if loop is not None and loop is background_loop():
        # Its connections belong to our loop: close them there, not in the SDK's asyncio.run().
        try:
            asyncio.run_coroutine_threadsafe(service._async_client.aclose(), loop).result(timeout=10)
        except Exception:  # noqa: BLE001 - a client we are throwing away
            logger.debug("closing the FCM client failed", exc_info=True)
    with _lock:
        firebase_admin.delete_app(app)


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


def _key(msg: PushMessage) -> tuple[Any, ...]:
    return (msg.title, msg.body, msg.collapse_key, msg.high_priority, msg.silent)


def build(msg: PushMessage, _parts: dict[tuple[Any, ...], Any] | None = None) -> messaging.Message:
    """One SDK message. A story to 10,000 people is 10,000 messages that differ only in target and
    data: the notification/Android/APNs parts are built once per distinct content (the SDK only
    reads them when it encodes)."""
    if _parts is None:
        parts = _shared_parts(msg)
    else:
        key = _key(msg)
        parts = _parts.get(key)
        if parts is None:
            parts = _parts[key] = _shared_parts(msg)
    notification, android, apns = parts
    target = {"fid": msg.fid} if msg.fid else {"token": msg.token}
    return messaging.Message(**target, notification=notification, data=msg.data, android=android, apns=apns)


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


def _result(response: messaging.SendResponse) -> PushResult:
    if response.success:
        return PushResult(Outcome.SENT, message_id=response.message_id or "")
    exc: Any = response.exception
    return PushResult(classify_error(exc), error=f"{type(exc).__name__}: {exc}"[:300])


def _whole_batch(messages: list[PushMessage], exc: BaseException) -> list[PushResult]:
    outcome = classify_error(exc) if isinstance(exc, exceptions.FirebaseError) else Outcome.RETRY
    logger.warning("FCM batch of %d failed: %s", len(messages), type(exc).__name__)
    return [PushResult(outcome, error=f"{type(exc).__name__}: {exc}"[:300]) for _ in messages]


def batch_deadline_seconds() -> float:
    """How long one batch may take in all: every request has the HTTP timeout, and the SDK retries
    a 500/503 up to 4 times with 0.5-4 s back-off. Past this the batch counts as a retry."""
    return settings.FCM_HTTP_TIMEOUT_SECONDS * 5 + 10


async def _send(messages: list[messaging.Message], app: firebase_admin.App) -> messaging.BatchResponse:
    return await asyncio.wait_for(messaging.send_each_async(messages, app=app), timeout=batch_deadline_seconds())


def send_batches(batches: list[list[PushMessage]]) -> Iterator[tuple[int, list[PushResult]]]:
    """Send batches of up to 500 messages, `FCM_BATCHES_IN_FLIGHT` at a time, and yield
    (batch index, one result per message in order) as each batch finishes, in finishing order.

    The caller records progress between yields while the next batches are on the wire.
    """
    if any(len(b) > MAX_BATCH for b in batches):
        raise ValueError(f"at most {MAX_BATCH} messages per batch")
    if not batches:
        return
    app = _app()
    loop = background_loop()
    parts: dict[tuple[Any, ...], Any] = {}
    in_flight: dict[concurrent.futures.Future, int] = {}
    todo = iter(enumerate(batches))

    def submit() -> bool:
        for index, batch in todo:
            if not batch:
                in_flight[_done([])] = index
                return True
            messages = [build(m, parts) for m in batch]
            in_flight[asyncio.run_coroutine_threadsafe(_send(messages, app), loop)] = index
            return True
        return False

    for _ in range(max(settings.FCM_BATCHES_IN_FLIGHT, 1)):
        if not submit():
            break
    try:
        while in_flight:
            # _send has its own deadline; this one only guards against a loop that died.
            done, _ = concurrent.futures.wait(in_flight, timeout=batch_deadline_seconds() + 30,
                                              return_when=concurrent.futures.FIRST_COMPLETED)
            if not done:
                raise TimeoutError("the FCM sending loop stopped answering")
            for future in done:
                index = in_flight.pop(future)
                try:
                    results = [_result(r) for r in future.result().responses]
                except Exception as exc:  # noqa: BLE001 - the whole batch failed (auth, deadline)
                    results = _whole_batch(batches[index], exc)
                submit()
                yield index, results
    finally:
        for future in in_flight:  # the caller stopped early: do not leave sends running unseen
            future.cancel()


def _done(value: Any) -> concurrent.futures.Future:
    future: concurrent.futures.Future = concurrent.futures.Future()
    future.set_result(messaging.BatchResponse(value))
    return future


def send_batch(messages: list[PushMessage]) -> list[PushResult]:
    """Send up to 500 messages; one result per message, in order."""
    if not messages:
        return []
    return next(send_batches([messages]))[1]
