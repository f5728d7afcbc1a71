"""Uploaded images served from MEDIA_ROOT by the site itself (the embedded default): a site-level
route of `backend/urls.py`, not part of the versioned API."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe
from django.views.static import serve


@require_safe
def media_serve(request: HttpRequest, path: str) -> HttpResponseBase:
    """Uploaded images from MEDIA_ROOT (the embedded default; a web server or CDN in front does it
    better). Names are random and never reused, so they may be cached for good; `serve` refuses
    paths outside MEDIA_ROOT, and a missing file is the JSON 404."""
    try:
        response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    except SuspiciousFileOperation:  # a path that leaves MEDIA_ROOT: there is nothing there to show
        raise Http404("Not found.") from None
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

