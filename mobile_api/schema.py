"""OpenAPI generation: every operation documents the error responses it can give, in the one
error shape, so clients (and schemathesis) can rely on the schema for failures too."""
from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="stable machine-readable code, e.g. validation_error")
    message = serializers.CharField()
    # DRF's metaclass moves declared fields off the class, so this field does not shadow Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]  # a field named like Serializer.fields
        help_text="field name → list of messages (nested for objects)")
    retry_after = serializers.IntegerField(required=False)
    claimed_by = serializers.DictField(required=False, allow_null=True)
    allowed = serializers.ListField(child=serializers.CharField(), required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


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


class RelayAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = ["400", "404", "405", "413", "415", "429", "503"]
        if not public:
            codes += ["401", "403"]
        else:
            codes += ["401"]  # sign-in and refresh answer 401 for bad credentials or tokens
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = _DESCRIPTIONS[code]
        return responses
