"""Live events through the background publisher on real Redis: in order, after hand-over the caller
never waits for Redis, and a dead Redis costs the caller nothing."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from notifications import live


@pytest.mark.redis
def test_events_arrive_in_the_order_they_were_published() -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("team.424242", channel)
    try:
        for i in range(30):
            assert live.publish("team.424242", "signal.updated", {"id": i}) is True
        assert live.flush(timeout=5) is True

        async def receive_all() -> list[int]:
            return [(await layer.receive(channel))["payload"]["id"] for _ in range(30)]

        assert async_to_sync(receive_all)() == list(range(30))
    finally:
        async_to_sync(layer.group_discard)("team.424242", channel)


@pytest.mark.redis
def test_a_dead_redis_never_fails_the_caller_and_is_logged(settings, caplog) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    settings.CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [{"address": f"redis://127.0.0.1:{closed_port}/0", "socket_connect_timeout": 0.5}]},
    }}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        with caplog.at_level("WARNING", logger="notifications.live"):
            results = [live.publish("team.1", "signal.routed", {"id": i}) for i in range(3)]
            # Handed over without an error; the publisher thread finds Redis gone and says so.
            assert results == [True] * 3
            assert live.flush(timeout=10) is True
        assert [r.getMessage() for r in caplog.records] == [
            "1 live events not published: channel layer unavailable"] * 3
    finally:
        channel_layers.backends.clear()
