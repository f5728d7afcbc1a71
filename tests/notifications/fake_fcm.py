"""A fake FCM HTTP v1 server (and OAuth token endpoint) on 127.0.0.1 for the real firebase-admin SDK,
shared by the suite and the push benchmark.

It behaves like FCM where that matters to a client: HTTP/2 over TLS (hypercorn, at most 100
concurrent streams per connection, connections kept alive), a certificate from a test CA (trustme)
that the SDK's httpx client trusts through `SSL_CERT_FILE`, and 429 with `Retry-After` when told to.
The OAuth token endpoint is plain HTTP on a second port: google-auth fetches tokens with `requests`,
which does not read `SSL_CERT_FILE`.

Behaviour is scripted per test: per-token errors, a queue of whole-request failures (503, 429),
a request held open and then dropped unanswered (`hold_next`), or the server stopped altogether.
Every accepted message is recorded, so tests can count sends.

    python -m tests.notifications.fake_fcm --port 8443 --token-port 8080 --ca-out ca.pem   # a process of its own
"""
from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from hypercorn.asyncio import serve
from hypercorn.config import Config

FCM_ERRORS = {
    "UNREGISTERED": (404, "NOT_FOUND", "Requested entity was not found."),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", "SenderId mismatch"),
    "INVALID_ARGUMENT": (400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"),
    "INVALID_MESSAGE": (400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \"colour\""),
}
RETRY_AFTER_SECONDS = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestCA:
    """A certificate authority made for this run, and a server certificate for 127.0.0.1 from it."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        server = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = directory / "fake-fcm-ca.pem"
        self.cert_file = directory / "fake-fcm-cert.pem"
        self.key_file = directory / "fake-fcm-key.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        server.cert_chain_pems[0].write_to_path(str(self.cert_file))
        for pem in server.cert_chain_pems[1:]:
            pem.write_to_path(str(self.cert_file), append=True)
        server.private_key_pem.write_to_path(str(self.key_file))


def hypercorn_config(ca: TestCA, port: int, token_port: int) -> Config:
    """FCM's shape: HTTP/2 over TLS, 100 streams per connection, connections that stay open
    (hypercorn's default of 1,000 requests per connection would drop them under load)."""
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.insecure_bind = [f"127.0.0.1:{token_port}"]
    config.certfile, config.keyfile = str(ca.cert_file), str(ca.key_file)
    config.alpn_protocols = ["h2", "http/1.1"]
    config.h2_max_concurrent_streams = 100
    config.keep_alive_max_requests = 10_000_000
    config.keep_alive_timeout = 60
    config.backlog = 1024
    config.accesslog = None
    config.errorlog = None
    return config


@dataclass
class FakeFCM:
    ca_dir: Path
    port: int = 0
    token_port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    record: bool = True  # the benchmark only counts
    accepted: int = 0
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
    http_versions: set[str] = field(default_factory=set)
    dry_runs: int = 0  # validate_only requests: FCM checks them and delivers nothing
    # The next message request waits until drop_held(), then ends without an answer: the message was
    # never accepted (a worker killed mid-push sees exactly this).
    hold_next: bool = False
    held: threading.Event = field(default_factory=threading.Event)
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _stopping: asyncio.Event | None = None

    def __post_init__(self) -> None:
        self.ca = TestCA(self.ca_dir)

    @property
    def url(self) -> str:
        """Where the SDK sends messages (HTTP/2 over TLS)."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.token_port}/token"

    @property
    def ca_file(self) -> str:
        return str(self.ca.ca_file)

    # --- serving ---------------------------------------------------------------------------------
    def start(self) -> FakeFCM:
        """Serve in a thread of the test process (again on the same ports after stop())."""
        self.port = self.port or free_port()
        self.token_port = self.token_port or free_port()
        started = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._stopping = asyncio.Event()
            started.set()
            self._loop.run_until_complete(self.serve())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="fake-fcm", daemon=True)
        self._thread.start()
        started.wait(5)
        self._wait_listening()
        return self

    async def serve(self) -> None:
        stopping = self._stopping or asyncio.Event()
        await serve(self.app, hypercorn_config(self.ca, self.port, self.token_port),  # type: ignore[arg-type]
                    shutdown_trigger=stopping.wait)

    def _wait_listening(self) -> None:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                socket.create_connection(("127.0.0.1", self.token_port), timeout=0.2).close()
                return
            except OSError:
                threading.Event().wait(0.02)
        raise RuntimeError("the fake FCM did not start")

    def stop(self) -> None:
        if self._thread is None or self._loop is None or self._stopping is None:
            return
        self._release.set()
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=10)
        self._thread = None
        self._release = threading.Event()

    def drop_held(self) -> None:
        self._release.set()

    # --- what was sent -------------------------------------------------------------------------
    def sent_to(self, token: str) -> list[dict[str, Any]]:
        return [m for m in self.received if (m.get("fid") or m.get("token")) == token]

    def sent_for(self, notification_id: int) -> list[dict[str, Any]]:
        return [m for m in self.received if m["data"].get("notification_id") == str(notification_id)]

    # --- the ASGI application ------------------------------------------------------------------
    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = (await receive())["type"]
                await send({"type": f"{event}.complete"})
                if event == "lifespan.shutdown":
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, payload, headers = await self._answer(scope, body)
        if status == 0:
            return  # dropped: no answer
        raw = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
            *((k.encode(), v.encode()) for k, v in headers.items())]})
        await send({"type": "http.response.body", "body": raw})

    async def _answer(self, scope: dict[str, Any], raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        path: str = scope["path"]
        if path.startswith("/token"):
            with self._lock:
                self.token_requests += 1
            return 200, {"access_token": "fake-access-token", "expires_in": 3600, "token_type": "Bearer"}, {}
        if path == "/count":
            return 200, {"messages": self.accepted}, {}
        if path.endswith("/allowedLocations"):
            with self._lock:
                self.location_lookups += 1
            return 200, {"locations": ["europe-west4"], "encodedLocations": "0x1"}, {}
        if scope["method"] != "POST" or not path.endswith("/messages:send"):
            return 404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}, {}
        if dict(scope["headers"]).get(b"authorization") != b"Bearer fake-access-token":
            return 401, {"error": {"code": 401, "message": "unauthenticated", "status": "UNAUTHENTICATED"}}, {}
        body = json.loads(raw)
        message = body["message"]
        target = message.get("fid") or message.get("token", "")
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self.in_flight)
            self.http_versions.add(scope.get("http_version", ""))
            failure = self.failures.popleft() if self.failures else None
            queued = self.token_failures.get(target)
            if failure is None and queued:
                failure = queued.popleft()
            hold, self.hold_next = self.hold_next, False
        try:
            if hold:
                self.held.set()
                await asyncio.get_running_loop().run_in_executor(None, self._release.wait, 120)
                return 0, {}, {}
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._message(body, message, target, failure)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _message(self, body: dict[str, Any], message: dict[str, Any], target: str,
                 failure: int | str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        if failure == 503:
            return 503, {"error": {"code": 503, "message": "unavailable", "status": "UNAVAILABLE"}}, {}
        if failure in (429, "429+"):
            return 429, {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED", "details": [
                {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "QUOTA_EXCEEDED"}]}}, (
                {"Retry-After": str(RETRY_AFTER_SECONDS)} if failure == "429+" else {})
        error = self.token_errors.get(target)
        if error:
            status, grpc, text = FCM_ERRORS[error]
            code = "INVALID_ARGUMENT" if error == "INVALID_MESSAGE" else error
            return status, {"error": {"code": status, "message": text, "status": grpc, "details": [
                {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]}}, {}
        if body.get("validate_only"):
            with self._lock:
                self.dry_runs += 1
            return 200, {"name": "projects/relay-test/messages/fake_message_id"}, {}
        with self._lock:
            self.accepted += 1
            n = self.accepted
            if self.record:
                self.received.append(message)
        return 200, {"name": f"projects/relay-test/messages/{n}"}, {}


def main() -> None:
    """Serve in a process of its own (the push benchmark): counts only, answers GET /count."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-port", type=int, required=True)
    parser.add_argument("--ca-dir", type=Path, required=True, help="where the test CA and certificate go")
    args = parser.parse_args()
    fake = FakeFCM(ca_dir=args.ca_dir, port=args.port, token_port=args.token_port, record=False)
    asyncio.run(fake.serve())


if __name__ == "__main__":
    main()
