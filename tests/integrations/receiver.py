"""A real webhook receiver on 127.0.0.1 for the tests and the benchmark: a small ASGI app served by
uvicorn, which verifies every request with the `standardwebhooks` library's own verifier and applies
each `webhook-id` once, as a careful receiver does.

Behaviours the tests switch on: answer codes from a script (`codes`), be slow (`delay`), redirect
(`redirect`), hold one request until released (`hold_next`), or be down (`stop()`, then `start()`
on the same port).
"""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    msg_id: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Receiver:
    secret: str
    port: int = field(default_factory=free_port)
    codes: list[int] = field(default_factory=list)  # answered in turn before falling back to 200
    retry_after: str = ""
    delay: float = 0.0
    redirect: bool = False
    hold_next: bool = False
    requests: list[str] = field(default_factory=list)  # webhook-id of every request, verified or not
    redirected_hits: int = 0
    bad_signatures: int = 0
    applied: dict[str, Received] = field(default_factory=dict)
    applied_order: list[str] = field(default_factory=list)
    duplicates: int = 0

    def __post_init__(self) -> None:
        self.held = threading.Event()
        self._release = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/relay"

    # --- the ASGI app ----------------------------------------------------------------------------
    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] != "/hooks/relay":
            self.redirected_hits += 1
            await self._answer(send, 200)
            return
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append(headers.get("webhook-id", ""))
        if self.hold_next:
            self.hold_next = False
            self.held.set()
            while not self._release.is_set():
                await asyncio.sleep(0.02)
            return  # the connection is dropped without an answer
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.redirect:
            await self._answer(send, 307, [(b"location", b"/elsewhere")])
            return
        if self.codes:
            code = self.codes.pop(0)
            extra = [(b"retry-after", self.retry_after.encode())] if self.retry_after else []
            await self._answer(send, code, extra)
            return
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            self.bad_signatures += 1
            await self._answer(send, 401)
            return
        msg_id = headers["webhook-id"]
        if msg_id in self.applied:
            self.duplicates += 1  # already applied: acknowledged, not applied again
        else:
            self.applied[msg_id] = Received(msg_id=msg_id, body=payload, headers=headers)
            self.applied_order.append(msg_id)
        await self._answer(send, 204)

    @staticmethod
    async def _answer(send: Any, code: int, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        await send({"type": "http.response.start", "status": code, "headers": headers or []})
        await send({"type": "http.response.body", "body": b""})

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Receiver:
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._release.clear()
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the receiver did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def release(self) -> None:
        self._release.set()

    def bodies(self) -> list[dict[str, Any]]:
        return [self.applied[m].body for m in self.applied_order]

    def dump(self) -> str:
        return json.dumps(self.bodies(), indent=1)


if __name__ == "__main__":  # a receiver process of its own, for benchmarks/webhook_bench.py
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    receiver = Receiver(secret=args.secret, port=args.port)

    async def count(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/count":
            await receiver._answer(send, 200, [(b"x-applied", str(len(receiver.applied)).encode()),
                                               (b"x-duplicates", str(receiver.duplicates).encode())])
            return
        await receiver(scope, receive, send)

    uvicorn.run(count, host="127.0.0.1", port=args.port, log_level="warning")
