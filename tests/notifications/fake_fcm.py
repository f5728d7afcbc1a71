"""A fake FCM HTTP v1 server (and OAuth token endpoint) on 127.0.0.1 for the real firebase-admin SDK.

Behaviour is scripted per test: per-token errors, a queue of whole-request failures (503, 429),
a request held open and then dropped unanswered (`hold_next`), or the server stopped altogether.
Every accepted message is recorded, so tests can count sends.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FCM_ERRORS = {
    "UNREGISTERED": (404, "NOT_FOUND", "Requested entity was not found."),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", "SenderId mismatch"),
    "INVALID_ARGUMENT": (400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"),
    "INVALID_MESSAGE": (400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \"colour\""),
}


@dataclass
class FakeFCM:
    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    token_requests: int = 0
    location_lookups: int = 0
    token_errors: dict[str, str] = field(default_factory=dict)
    # Status codes for the next requests, e.g. [503, 503]; "429+" is a 429 with a Retry-After header.
    failures: deque = field(default_factory=deque)
    requests: int = 0
    # Status codes for the next requests to one token, e.g. {"tok": deque([503])}.
    token_failures: dict[str, deque] = field(default_factory=dict)
    delay: float = 0.0  # seconds each message request takes, so concurrency shows
    in_flight: int = 0
    max_concurrent: int = 0
    dry_runs: int = 0  # validate_only requests: FCM checks them and delivers nothing
    # The next message request waits until drop_held(), then its connection closes without an
    # answer: the message was never accepted (a worker killed mid-push sees exactly this).
    hold_next: bool = False
    held: threading.Event = field(default_factory=threading.Event)
    _release: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeFCM:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:  # noqa: N802
                if self.path.endswith("/allowedLocations"):
                    with fake._lock:
                        fake.location_lookups += 1
                    self._reply(200, {"locations": ["europe-west4"], "encodedLocations": "0x1"})
                else:
                    self._reply(404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.startswith("/token"):
                    with fake._lock:
                        fake.token_requests += 1
                    self._reply(200, {"access_token": "fake-access-token", "expires_in": 3600,
                                      "token_type": "Bearer"})
                    return
                if self.headers.get("Authorization") != "Bearer fake-access-token":
                    self._reply(401, {"error": {"code": 401, "message": "unauthenticated",
                                                "status": "UNAUTHENTICATED"}})
                    return
                body = json.loads(raw)
                message = body["message"]
                target = message.get("fid") or message.get("token", "")
                with fake._lock:
                    fake.requests += 1
                    fake.in_flight += 1
                    fake.max_concurrent = max(fake.max_concurrent, fake.in_flight)
                    failure = fake.failures.popleft() if fake.failures else None
                    queued = fake.token_failures.get(target)
                    if failure is None and queued:
                        failure = queued.popleft()
                    hold, fake.hold_next = fake.hold_next, False
                try:
                    if hold:
                        fake.held.set()
                        fake._release.wait(timeout=120)
                        self.close_connection = True
                        return
                    if fake.delay:
                        time.sleep(fake.delay)
                    self._message(body, message, target, failure)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _message(self, body: dict[str, Any], message: dict[str, Any], target: str,
                         failure: int | str | None) -> None:
                if failure == 503:
                    self._reply(503, {"error": {"code": 503, "message": "unavailable", "status": "UNAVAILABLE"}})
                    return
                if failure in (429, "429+"):
                    self._reply(429, {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED",
                                                "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                                             "errorCode": "QUOTA_EXCEEDED"}]}},
                                {"Retry-After": "1"} if failure == "429+" else {})
                    return
                error = fake.token_errors.get(target)
                if error:
                    status, grpc, text = FCM_ERRORS[error]
                    code = "INVALID_ARGUMENT" if error == "INVALID_MESSAGE" else error
                    self._reply(status, {"error": {"code": status, "message": text, "status": grpc, "details": [
                        {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]}})
                    return
                if body.get("validate_only"):
                    with fake._lock:
                        fake.dry_runs += 1
                    self._reply(200, {"name": "projects/relay-test/messages/fake_message_id"})
                    return
                with fake._lock:
                    fake.received.append(message)
                    n = len(fake.received)
                self._reply(200, {"name": f"projects/relay-test/messages/{n}"})

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # the SDK opens up to 500 connections at once

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def drop_held(self) -> None:
        self._release.set()

    def stop(self) -> None:
        if self._server:
            self._release.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def sent_to(self, token: str) -> list[dict[str, Any]]:
        return [m for m in self.received if (m.get("fid") or m.get("token")) == token]

    def sent_for(self, notification_id: int) -> list[dict[str, Any]]:
        return [m for m in self.received if m["data"].get("notification_id") == str(notification_id)]
