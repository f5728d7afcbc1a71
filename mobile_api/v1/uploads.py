"""What the story and draft endpoints share about uploaded images: the multipart form parser and
the absolute URL of a stored file."""
from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request

from backend.core.errors import DomainError
from mobile_api.parsers import BoundedJSONParser, check_depth


def media_url(file: FieldFile | None, request: HttpRequest | None) -> str | None:
    """The absolute URL of an uploaded file (null without one): the app loads it as it is."""
    if not file:
        return None
    url = file.url
    return url if "://" in url or request is None else request.build_absolute_uri(url)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class MediaUrlField(serializers.SerializerMethodField):
    """An uploaded image as an absolute URL, or null."""

    def __init__(self, source_field: str, **kwargs: Any) -> None:
        self.source_field = source_field
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        return media_url(getattr(value, self.source_field), self.context.get("request"))


# Multipart forms carry flat values: lists and objects come as JSON text in these fields.
_FORM_JSON_FIELDS = ("audience", "versions", "talking_points", "suggested_texts", "suggested_comments", "hashtags")
UPLOAD_PARSERS = [BoundedJSONParser, MultiPartParser]


def form_or_json(request: Request, *, upload: str) -> tuple[Any, UploadedFile | None]:
    """The request's fields and its uploaded file `upload`: a JSON body as it is (no file), or a
    multipart form whose list and object fields are JSON text. The body's declared length is
    checked before it is read, so an oversize upload is refused without being spooled to disk."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.RELAY_IMAGE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        limit = settings.RELAY_IMAGE_MAX_BYTES // (1024 * 1024)
        raise DomainError(_("The upload is larger than %(limit)s MiB.") % {"limit": limit},
                          code="image_too_large", status_code=413,
                          fields={upload: [_("At most %(limit)s MiB.") % {"limit": limit}]})
    if not hasattr(request.data, "getlist"):  # JSON
        return request.data, None
    files = request.FILES.getlist(upload)
    unexpected = sorted(set(request.FILES) - {upload})
    if len(files) > 1 or unexpected:
        raise DomainError(_("One file, in its own field."), code="validation_error",
                          fields={name: [_("Unexpected file.")] for name in unexpected or [upload]})
    form: Any = request.data  # a QueryDict here (multipart): getlist was checked above
    data: dict[str, Any] = {k: v for k, v in form.items() if k not in request.FILES}
    errors: dict[str, list[str]] = {}
    for name in _FORM_JSON_FIELDS:
        if isinstance(data.get(name), str):
            try:
                data[name] = check_depth(json.loads(data[name]))
            except (ValueError, RecursionError, ParseError):
                errors[name] = ["In a multipart form, send this field as JSON text."]
    if errors:
        raise DomainError(_("Invalid form."), code="validation_error", fields=errors)
    return data, (files[0] if files else None)
