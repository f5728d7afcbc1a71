"""The one domain error type.

Services raise `DomainError` (or a subclass) with a stable machine-readable code and the
HTTP status it maps to; the API's single exception handler turns it into the shared JSON
error shape. The domain never imports the API layer, so the mapping lives here as data.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code: int = 400
    code: str = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        fields: dict[str, Any] | None = None,  # {field: [messages]}, nested for an object, as DRF does
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.fields = fields or {}
        self.extra = extra or {}


class NotFound(DomainError):
    """Also used for objects the user may not see: we answer 404, never 403, to not leak existence."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"
