"""Push through the real firebase-admin SDK (FCM HTTP v1).

This module knows FCM: how to build a message, how to send a batch, and what each error means
for us (retry later, drop the token, or give up). It knows nothing about our tables.
"""
from __future__ import annotations

import json
import logging
import threading
import warnings
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import firebase_admin
from django.conf import settings
from firebase_admin import credentials, exceptions, messaging

logger = logging.getLogger(__name__)

MAX_BATCH = 500  # FCM's limit for send_each
_APP_NAME = "relay"
_lock = threading.Lock()


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


def _app() -> firebase_admin.App:
    with _lock:
        try:
            return firebase_admin.get_app(_APP_NAME)
        except ValueError:
            path = settings.FIREBASE_CREDENTIALS
            with open(path, encoding="utf-8") as f:
                project_id = json.load(f).get("project_id")
            return firebase_admin.initialize_app(
                credentials.Certificate(path),
                options={"projectId": project_id, "httpTimeout": settings.FCM_HTTP_TIMEOUT_SECONDS},
                name=_APP_NAME,
            )


def reset_app() -> None:
    """Forget the Firebase app (tests switch credentials and endpoints)."""
    with _lock:
        try:
            firebase_admin.delete_app(firebase_admin.get_app(_APP_NAME))
        except ValueError:
            pass


def build(msg: PushMessage) -> messaging.Message:
    notification = None if msg.silent else messaging.Notification(title=msg.title, body=msg.body)
    priority = "high" if msg.high_priority else "normal"
    target = {"fid": msg.fid} if msg.fid else {"token": msg.token}
    with warnings.catch_warnings():
        # firebase-admin 7 deprecates `token` in favour of `fid`; apps that do not send an
        # installation id still have only a registration token, which FCM keeps accepting.
        warnings.filterwarnings("ignore", message="Message.token is deprecated", category=DeprecationWarning)
        return _message(msg, target, notification, priority)


def _message(msg: PushMessage, target: dict[str, str], notification: messaging.Notification | None,
             priority: str) -> messaging.Message:
    return messaging.Message(
        **target,
        notification=notification,
        data=msg.data,
        android=messaging.AndroidConfig(
            priority=priority, collapse_key=msg.collapse_key or None,
            ttl=86400,
        ),
        apns=messaging.APNSConfig(
            headers={
                "apns-priority": "10" if msg.high_priority and not msg.silent else "5",
                **({"apns-collapse-id": msg.collapse_key[:64]} if msg.collapse_key else {}),
                **({"apns-push-type": "background"} if msg.silent else {}),
            },
            payload=messaging.APNSPayload(aps=messaging.Aps(content_available=True if msg.silent else None)),
        ),
    )


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


def send_batch(messages: list[PushMessage]) -> list[PushResult]:
    """Send up to 500 messages with `send_each`; one result per message, in order."""
    if not messages:
        return []
    if len(messages) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} messages per batch")
    try:
        batch = messaging.send_each([build(m) for m in messages], app=_app())
    except exceptions.FirebaseError as exc:  # the whole batch failed (e.g. auth)
        outcome = classify_error(exc)
        logger.warning("FCM batch of %d failed: %s", len(messages), type(exc).__name__)
        return [PushResult(outcome, error=f"{type(exc).__name__}: {exc}"[:300]) for _ in messages]
    results: list[PushResult] = []
    for response in batch.responses:
        if response.success:
            results.append(PushResult(Outcome.SENT, message_id=response.message_id or ""))
        else:
            exc: Any = response.exception
            results.append(PushResult(classify_error(exc), error=f"{type(exc).__name__}: {exc}"[:300]))
    return results
