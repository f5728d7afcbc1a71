"""Home, language choice and the websocket ticket of the console."""
from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import SimpleTemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from backend.console.access import LANGUAGES, SESSION_LANGUAGE, ConsoleRequest, console_view, safe_next
from backend.core.throttles import LoginThrottled
from backend.people.requests import signed_in_user
from notifications.services import ws_ticket_issue


@console_view()
def home(request: ConsoleRequest) -> HttpResponse:
    """Each role lands where its work is; people without a queue or editor role are told so."""
    nav = request.console_nav
    if nav.team_queues and not nav.editor:
        return redirect("console:queue", team_id=nav.team_queues[0].pk)
    if nav.triage and not nav.editor:
        return redirect("console:triage")
    return render(request, "console/home.html")


@console_view(methods=("POST",))
def language_set(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language")
    if language in LANGUAGES:
        request.session[SESSION_LANGUAGE] = language
    return redirect(safe_next(request, reverse("console:home")))


@console_view(methods=("POST",))
def ws_ticket(request: HttpRequest) -> JsonResponse:
    """The same single-use, 60-second ticket as `POST /api/v1/ws-ticket/`, for a signed-in session."""
    ticket, expires = ws_ticket_issue(user=signed_in_user(request))
    return JsonResponse({"ticket": ticket, "expires_at": expires.isoformat(), "url": f"/ws/v1/?ticket={ticket}"},
                        status=201)


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with translation.override(request.session.get(SESSION_LANGUAGE) or translation.get_language_from_request(
                request) or "en"):
            try:
                response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
            except LoginThrottled as exc:
                response = self._throttled(exc.wait)
            # Rendered here, inside the language override, not later by the handler.
            if isinstance(response, SimpleTemplateResponse):
                response.render()
            return response

    def _throttled(self, wait: int) -> HttpResponse:
        """The 429 page: the authentication backend, shared by every way in, found this attempt
        over a sign-in limit (backend.core.throttles)."""
        form = self.get_form()
        form.is_bound = False
        response = self.render_to_response(self.get_context_data(
            form=form, throttled=_("Too many attempts. Try again in %(seconds)s seconds.") % {"seconds": wait}),
            status=429)
        response["Retry-After"] = str(wait)
        return response

