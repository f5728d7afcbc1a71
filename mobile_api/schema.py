"""OpenAPI generation, through drf-spectacular's public extension points only:

- `RelayAutoSchema.get_summary`: every operation has a summary (an explicit `extend_schema(summary=...)`,
  else the first sentence of the view's docstring);
- `document_errors`, a postprocessing hook: every operation documents the error responses it can
  give, in the one error shape with its extra fields typed, so clients (and schemathesis) can rely
  on the schema for failures too.
"""
from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

_DESCRIPTIONS = {
    "400": "Invalid input (nothing was stored)",
    "401": "Not signed in, or the token is invalid, expired or revoked",
    "403": "Signed in, but this role may not do this",
    "404": "Not found, or not visible to you",
    "405": "Method not allowed",
    "409": "Conflict with the current state (already claimed, invalid transition, reused idempotency key)",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "429": "Too many requests; see retry_after",
    "503": "Briefly unavailable; retry after the Retry-After header",
}

# The error shape. `code` is stable in every language; the extra fields below appear only with
# the codes named in their descriptions, each with its own type.
ERROR_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "stable machine-readable code, e.g. validation_error"},
        "message": {"type": "string", "description": "for people, in the reader's language"},
        "fields": {
            "type": "object", "additionalProperties": {},
            "description": "field name → list of messages (nested for objects); empty when not about fields",
        },
        "retry_after": {"type": "integer", "description": "with `throttled`: seconds to wait"},
        "claimed_by": {
            "allOf": [{"$ref": "#/components/schemas/PersonRef"}], "nullable": True,
            "description": "with `already_claimed`: who has the signal (null when no longer known)",
        },
        "allowed": {
            "type": "array", "items": {"type": "string"},
            "description": "with `invalid_transition`: the states this one may move to",
        },
        "current_version": {"type": "string", "description": "with `guidelines_outdated`: the version in force"},
        "guidelines_version": {
            "type": "string", "description": "with `guidelines_required`: the version to read and accept",
        },
    },
    "required": ["code", "message", "fields"],
}
ERROR: dict[str, Any] = {
    "type": "object",
    "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}},
    "required": ["error"],
}

_METHODS = ("get", "put", "post", "patch", "delete")


class RelayAutoSchema(AutoSchema):
    def get_summary(self) -> str | None:
        explicit = super().get_summary()
        if explicit:
            return explicit
        doc = (self.view.__class__.__doc__ or "").strip()
        return doc.split("\n\n")[0].replace("\n", " ").split(". ")[0].rstrip(".") or None


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ERROR_BODY
    schemas["Error"] = ERROR
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            # An operation open to anyone lists `{}` (no credentials) among its security options.
            anonymous = {} in operation.get("security", result.get("security", []))
            if operation.get("security") == [{}]:
                # Open to anyone and no credentials used: say so with OpenAPI's empty list, which
                # generated clients read as "no authentication" (some read `[{}]` as "a token").
                operation["security"] = []
            codes = ["400", "401", "404", "405", "413", "415", "429", "503"]
            if not anonymous:
                codes.append("403")
            if method != "get":
                codes.append("409")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(code, {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    "description": _DESCRIPTIONS[code],
                })
    return result
