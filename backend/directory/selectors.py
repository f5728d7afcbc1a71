"""Reads of the directory app."""
from __future__ import annotations

from backend.directory.models import DirectoryConnection
from backend.directory.services import token_hash


def directory_connection_for_token(*, token: str) -> DirectoryConnection | None:
    """The active connection whose bearer token this is. One indexed lookup by the token's hash:
    nothing to compare in Python, so nothing to time."""
    if not token or len(token) > 200:
        return None
    return DirectoryConnection.objects.filter(token_hash=token_hash(token), active=True).first()
