"""The API's JSON parser: DRF's, with a bound on nesting.

No request of this API nests deeper than a few levels, while a body nested tens of thousands deep
makes the json module recurse until it raises `RecursionError` (a 500). Both too deep and
too deep to parse at all are the ordinary 400 `malformed_request`."""
from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


class RequestTooLarge(APIException):
    # Here rather than in mobile_api.errors, which imports DRF's views: DRF imports this module
    # while it builds its settings, so it must not import back into the views.
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def _depth(data: Any) -> int:
    """Nesting depth of parsed JSON, walked without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_depth(data: Any) -> Any:
    """`data` itself, or a ParseError when it nests deeper than MAX_DEPTH."""
    if _depth(data) > MAX_DEPTH:
        raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
    return data


class BoundedJSONParser(JSONParser):
    """Also bounded in size: DRF's JSONParser reads the request stream itself, past Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE, so the bound is applied here (413 `request_too_large`)."""

    def parse(self, stream: IO[Any], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(body) > limit:
            raise RequestTooLarge()
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        return check_depth(data)
