"""One-click unsubscribe from optional mail (issue 20, RFC 8058), without a sign-in.

The signed token in the link is the authority (salted per kind, made by notifications.mail). A mail
client's one-click POST carries `List-Unsubscribe=One-Click` and no CSRF token, so the view is
exempt from CSRF: it reads no session and changes only the switch the token names. A GET never
unsubscribes (link scanners follow links); it shows a page with a button that POSTs.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from backend.core.errors import DomainError
from backend.people.models import User
from notifications import mail, services


@csrf_exempt
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request: HttpRequest, kind: str, token: str) -> HttpResponse:
    user_id = mail.unsubscribe_token_user_id(token=token, kind=kind)
    person = User.objects.select_related("profile").filter(pk=user_id).first() if user_id is not None else None
    language = person.profile.language if person is not None and hasattr(person, "profile") else None
    with translation.override(language or translation.get_language()):
        if request.method == "GET":
            if person is None:
                return render(request, "console/unsubscribe.html", {"state": "invalid"}, status=400)
            return render(request, "console/unsubscribe.html", {"state": "confirm", "kind": kind})
        try:
            services.email_unsubscribe(kind=kind, token=token)
        except DomainError:
            return render(request, "console/unsubscribe.html", {"state": "invalid"}, status=400)
        return render(request, "console/unsubscribe.html", {"state": "done", "kind": kind})
