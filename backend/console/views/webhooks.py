"""Webhooks of a team (issue 18): team leads and admins subscribe, see recent deliveries (status,
latency, response code; never a response body) and re-send a failed one with one click."""
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.console.access import choice_field, console_view
from backend.people.requests import signed_in_user
from notifications import selectors, services
from notifications.webhooks import EVENTS


class SubscriptionForm(forms.Form):
    team = forms.TypedChoiceField(label=gettext_lazy("Team"), coerce=int)
    url = forms.URLField(label=gettext_lazy("URL (https)"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(label=gettext_lazy("Events"), choices=[(e, e) for e in EVENTS],
                                       widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "team").choices = teams


@console_view(methods=("GET", "POST"))
def webhooks_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    teams = [(t.pk, t.name) for t in selectors.webhook_teams_managed_by(user=user)]
    if not teams:
        return render(request, "console/error.html", {"title": _("Not for your role"),
                                                      "message": _("Team leads and admins manage webhooks.")},
                      status=403)
    form = SubscriptionForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        sub, secret = services.webhook_subscription_create(by=user, team_id=form.cleaned_data["team"],
                                                           url=form.cleaned_data["url"],
                                                           events=form.cleaned_data["events"])
        # The secret is shown once, here; afterwards only a rotation makes a new one.
        messages.success(request, _("Webhook created. Its secret (shown once): %(secret)s") % {"secret": secret})
        return redirect("console:webhooks")
    subscriptions = [(s, selectors.webhook_deliveries_recent(subscription=s, limit=20))
                     for s in selectors.webhook_subscriptions_for(user=user)]
    return render(request, "console/webhooks.html", {"form": form, "subscriptions": subscriptions})


@console_view(methods=("POST",))
def webhook_toggle(request: HttpRequest, subscription_id: int) -> HttpResponse:
    services.webhook_subscription_update(by=signed_in_user(request), subscription_id=subscription_id,
                                         active=request.POST.get("active") == "1")
    return redirect("console:webhooks")


@console_view(methods=("POST",))
def webhook_rotate(request: HttpRequest, subscription_id: int) -> HttpResponse:
    secret = services.webhook_secret_rotate(by=signed_in_user(request), subscription_id=subscription_id)
    messages.success(request, _("New secret (shown once; the old one signs beside it for 24 hours): %(secret)s")
                     % {"secret": secret})
    return redirect("console:webhooks")


@console_view(methods=("POST",))
def webhook_resend(request: HttpRequest, delivery_id: int) -> HttpResponse:
    row = services.webhook_delivery_resend(by=signed_in_user(request), delivery_id=delivery_id)
    messages.success(request, _("Re-sent %(type)s #%(sequence)s.") % {"type": row.type, "sequence": row.sequence})
    return redirect("console:webhooks")
