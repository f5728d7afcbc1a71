"""Who may open which console page, in which language, and how domain errors look in a browser.

The console decides nothing about signals or stories itself: object visibility comes from the
domain selectors (`*_get_for_user`, 404 for what a person may not see), writes from the domain
services. What is decided here is the same role gate the API puts on whole endpoints (editors'
pages: 403 for other roles, as `IsEditor` answers) and the page-level plumbing around it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from backend.core.errors import DomainError, NotFound
from backend.listening import selectors as listening
from backend.people.models import Role, Team
from backend.sharing.selectors import EDITOR_ROLES

LANGUAGES = ("en", "nl", "da")
SESSION_LANGUAGE = "console_language"

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Nav:
    """What the navigation offers this person: only pages that would not answer 403/404."""

    queues: list[Team]
    triage: Team | None
    editor: bool

    @property
    def team_queues(self) -> list[Team]:
        return [q for q in self.queues if not q.is_triage]


class ConsoleRequest(HttpRequest):
    """The request a `console_view` hands to its view, carrying the navigation its templates read."""

    console_nav: Nav


def nav_for(user: Any) -> Nav:
    queues = list(listening.queues_for_user(user=user))
    triage = next((q for q in queues if q.is_triage), None)
    return Nav(queues=queues, triage=triage, editor=user.role in EDITOR_ROLES)


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's own copy of a declared choice field, whose choices the form fills per request."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name!r} is not a choice field")
    return field


def language_for(request: HttpRequest) -> str:
    """The language chosen in the console, else the person's app language, else English."""
    chosen = request.session.get(SESSION_LANGUAGE)
    if chosen in LANGUAGES:
        return chosen
    profile_language = getattr(getattr(request.user, "profile", None), "language", "")
    return profile_language if profile_language in LANGUAGES else "en"


def safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return fallback


def render_error(request: HttpRequest, *, status: int, message: str) -> HttpResponse:
    titles = {403: _("Not for your role"), 404: _("Not found")}
    return render(request, "console/error.html",
                  {"title": titles.get(status, _("Something went wrong")), "message": message}, status=status)


def console_view(*, roles: Iterable[str] | None = None, methods: Iterable[str] = ("GET",)) -> Callable[[View], View]:
    """Sign-in required; the role gate; the person's language; domain errors shown, not raised.

    A refused write (409 claimed by someone else, 400 a missing note) goes back to where the form
    was, with the domain's message; an object the person may not see is a 404 page.
    """
    allowed_roles = frozenset(roles) if roles is not None else None
    allowed_methods = tuple(methods)

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: ConsoleRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.method not in allowed_methods:
                return HttpResponseNotAllowed(allowed_methods)
            language = language_for(request)
            # override, not activate: the thread goes back to serving the API in its own language.
            with translation.override(language):
                request.LANGUAGE_CODE = language
                request.console_nav = nav_for(user)
                if allowed_roles is not None and user.role not in allowed_roles:
                    return render_error(request, status=403, message=_("This page is for other roles."))
                try:
                    return view(request, *args, **kwargs)
                except (NotFound, Http404):
                    return render_error(request, status=404,
                                        message=_("It does not exist, or it is not yours to see."))
                except DomainError as error:
                    if request.method == "POST":
                        messages.error(request, error.message)
                        return redirect(safe_next(request, reverse("console:home")))
                    return render_error(request, status=error.status_code, message=error.message)

        return wrapper

    return decorate


EDITORS = EDITOR_ROLES
ADMIN = frozenset({Role.ADMIN})
