"""`GET /s/{code}`, the tracked short link of a share: a site-level route of `backend/urls.py` (the
link is opened by anyone on the web, not by the app), behind the site's middleware stack like every
other page: request id, transport security, `ALLOWED_HOSTS`, `X-Frame-Options`."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from backend.core.addresses import client_address
from backend.sharing import links, services
from mobile_api.errors import json_404


@csrf_exempt  # it takes no unsafe method at all: a POST is the 405 below, not a CSRF 403
@require_safe
def share_redirect(request: HttpRequest, code: str) -> HttpResponse:
    """A 302 to the story with UTM parameters; the click is committed before the answer leaves.
    An unknown code is the JSON 404 (even with DEBUG on) and records nothing."""
    target = services.click_record_for_code(
        code=code, referrer=request.META.get("HTTP_REFERER", ""), address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    if target is None:
        return json_404(request)
    response = HttpResponseRedirect(links.utm_url(
        target.url, channel=target.channel, campaign=target.campaign_slug or "employee-advocacy",
        content=f"share-{target.share_id}"))
    response["Cache-Control"] = "private, no-store"  # every visit must reach us to be counted
    response["Referrer-Policy"] = "no-referrer"
    return response
