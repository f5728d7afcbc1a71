"""Home, language choice and the websocket ticket of the console."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import SimpleTemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.console.access import LANGUAGES, SESSION_LANGUAGE, ConsoleRequest, console_view, safe_next
from backend.console.oidc import SESSION_SSO_ERROR
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


# Why the last sign-in with the identity provider failed (issue 17), by the code the API answers too.
SSO_ERRORS = {
    "not_provisioned": gettext_lazy("Your account is not set up in Relay yet. Ask your administrator."),
    "account_inactive": gettext_lazy("This account is not active."),
    "sso_provider_unavailable": gettext_lazy("The identity provider cannot be reached; please retry shortly."),
    "sso_not_configured": gettext_lazy("Single sign-on is not configured on this server."),
    "invalid_token": gettext_lazy("Signing in with your company account failed. Please try again."),
}


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with translation.override(request.session.get(SESSION_LANGUAGE) or translation.get_language_from_request(
                request) or "en"):
            try:
                if request.method == "POST" and not settings.AUTH_PASSWORD_LOGIN:
                    # Issue 17: passwords are off; the form is not shown, and a posted one is refused.
                    response: HttpResponseBase = self._refused(
                        _("Signing in with a password is turned off here; sign in with your company account."))
                else:
                    response = super().dispatch(request, *args, **kwargs)
            except LoginThrottled as exc:
                response = self._throttled(exc.wait)
            # Rendered here, inside the language override, not later by the handler.
            if isinstance(response, SimpleTemplateResponse):
                response.render()
            return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        failed = self.request.session.pop(SESSION_SSO_ERROR, None) or (
            "invalid_token" if self.request.GET.get("sso") == "failed" else None)
        if failed:
            context["sso_error"] = SSO_ERRORS.get(failed, SSO_ERRORS["invalid_token"])
        return context

    def _refused(self, message: str) -> HttpResponse:
        form = self.get_form()
        form.is_bound = False
        return self.render_to_response(self.get_context_data(form=form, throttled=message), status=403)

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

