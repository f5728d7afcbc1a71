"""The Redis channel layer's connections: a consumer waits on Redis in a blocking pop, and the
socket's read timeout must outlast it, or an idle websocket drops without a close frame."""
from __future__ import annotations

import pytest
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from channels_redis.utils import create_pool, decode_hosts


@pytest.mark.redis
def test_the_read_timeout_outlasts_the_blocking_pop() -> None:
    layer = get_channel_layer()
    assert isinstance(layer, RedisChannelLayer)
    for host in decode_hosts(layer.hosts):
        timeout = create_pool(host).connection_kwargs.get("socket_timeout")
        # None would hang a consumer for good on a dead Redis; under the pop's 5 s (redis-py 8's
        # default is 5 s) it races the pop and loses under load.
        assert timeout is not None and timeout > 2 * layer.brpop_timeout
