"""The client's address: one rule for every place that uses it (throttles, visitor hashes, logs).

`X-Forwarded-For` is written by whoever sends the request, so by default it is ignored and the
socket's peer address is the client. Behind proxies we run, the proxies append to the header: with
`TRUSTED_PROXY_COUNT = n` the n-th entry from the right is the one our outermost proxy saw; with
`TRUSTED_PROXY_NETWORKS`, entries are read from the right while they belong to those networks, and
the first one that does not is the client. Anything to the left of that is the sender's own claim.
"""
from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _trusted(address: str, networks: list[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def client_address(request: Any) -> str:
    """The address of the client that sent `request` (a Django or DRF request), as a string."""
    meta = request.META
    peer: str = meta.get("REMOTE_ADDR", "") or ""
    count: int = settings.TRUSTED_PROXY_COUNT
    networks: list[Any] = settings.TRUSTED_PROXY_NETWORKS
    if not count and not networks:
        return peer
    forwarded = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if networks:
        if not _trusted(peer, networks):
            return peer  # not sent through one of our proxies: its header is the sender's claim
        for address in reversed(forwarded):
            if not _trusted(address, networks):
                return address
        return forwarded[0] if forwarded else peer
    if not forwarded:
        return peer
    # Fewer entries than proxies: every entry was written by one of ours, the leftmost is the client.
    return forwarded[-count] if len(forwarded) >= count else forwarded[0]
