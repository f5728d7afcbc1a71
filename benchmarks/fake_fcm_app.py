"""A minimal fake FCM HTTP v1 endpoint (and OAuth token endpoint) as an ASGI app, for benchmarks.
Run: python -m uvicorn benchmarks.fake_fcm_app:app --port N. Counts what it accepted at GET /count."""
from __future__ import annotations

import json

COUNT = {"messages": 0}


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    path = scope["path"]
    if path.startswith("/token"):
        payload = {"access_token": "fake-access-token", "expires_in": 3600, "token_type": "Bearer"}
    elif path == "/count":
        payload = dict(COUNT)
    elif path.endswith("/allowedLocations"):
        payload = {"locations": ["europe-west4"], "encodedLocations": "0x1"}
    else:
        COUNT["messages"] += 1
        payload = {"name": f"projects/relay-bench/messages/{COUNT['messages']}"}
    raw = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
    await send({"type": "http.response.body", "body": raw})
