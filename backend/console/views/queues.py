"""Team queues, triage and the handling of one signal: the listening services, in a browser."""
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.console.access import ConsoleRequest, choice_field, console_view, safe_next
from backend.console.labels import STATUS_LABELS
from backend.core.errors import DomainError, NotFound
from backend.listening import lifecycle, selectors, services, sla
from backend.listening.models import Kind, Signal
from backend.people import selectors as people
from backend.people.requests import signed_in_user

MINE, WAITING, OTHERS = "mine", "waiting", "others"


def _sorted_scores(signal: Signal) -> list[tuple[str, float]]:
    """The classifier's guesses, most likely first (what `Signal.scores` stores per kind)."""
    scores = signal.scores if isinstance(signal.scores, dict) else {}
    return sorted(((k, float(v)) for k, v in scores.items() if k in Kind.values), key=lambda kv: -kv[1])


def _queue_rows(*, request: HttpRequest, team_id: int, show_all: bool) -> dict[str, Any]:
    team = selectors.queue_get_for_user(user=signed_in_user(request), team_id=team_id)
    now = timezone.now()
    mine, waiting, others = [], [], []
    for signal in selectors.queue_signals_by_attention(team=team, now=now):
        if signal.assignee_id == request.user.pk:
            mine.append(signal)
        elif signal.assignee_id is None:
            waiting.append(signal)
        else:
            others.append(signal)
    return {"team": team, "mine": mine, "waiting": waiting, "others": others if show_all else [],
            "others_hidden": 0 if show_all else len(others), "show_all": show_all, "now": now}


@console_view()
def queue_index(request: HttpRequest) -> HttpResponse:
    return render(request, "console/queue_index.html")


@console_view()
def queue_page(request: HttpRequest, team_id: int) -> HttpResponse:
    context = _queue_rows(request=request, team_id=team_id, show_all=request.GET.get("show") == "all")
    if context["team"].is_triage:
        return redirect("console:triage")
    return render(request, "console/queue.html", context)


@console_view()
def queue_fragment(request: HttpRequest, team_id: int) -> HttpResponse:
    """The list alone, which the page re-fetches when the websocket says the queue changed."""
    context = _queue_rows(request=request, team_id=team_id, show_all=request.GET.get("show") == "all")
    return render(request, "console/_queue_list.html", context)


@console_view()
def triage_page(request: ConsoleRequest) -> HttpResponse:
    triage = request.console_nav.triage
    if triage is None:
        raise NotFound("Queue not found.")
    return render(request, "console/triage.html", _triage_context(request, triage.pk))


def _triage_context(request: HttpRequest, team_id: int) -> dict[str, Any]:
    team = selectors.queue_get_for_user(user=signed_in_user(request), team_id=team_id)
    signals = list(selectors.queue_signals_by_attention(team=team))
    return {"team": team, "rows": [(s, _sorted_scores(s)[:3]) for s in signals], "kinds": Kind.choices,
            "teams": people.teams_list()}


@console_view()
def triage_fragment(request: ConsoleRequest) -> HttpResponse:
    triage = request.console_nav.triage
    if triage is None:
        raise NotFound("Queue not found.")
    return render(request, "console/_triage_list.html", _triage_context(request, triage.pk))


# --- one signal ---------------------------------------------------------------------------------
class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=gettext_lazy("New status"))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=4000, widget=forms.Textarea(
        attrs={"rows": 3}))
    visible_to_submitter = forms.BooleanField(label=gettext_lazy("The colleague who passed it on may read this note"),
                                              required=False)

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        # Several forms share the signal page: ids must differ for each label to find its control.
        kwargs["auto_id"] = "transition_%s"
        super().__init__(*args, **kwargs)
        choice_field(self, "to").choices = [(s, STATUS_LABELS.get(s, s)) for s in allowed]


class NoteForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["auto_id"] = "note_%s"
        super().__init__(*args, **kwargs)

    text = forms.CharField(label=gettext_lazy("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    visible_to_submitter = forms.BooleanField(label=gettext_lazy("The colleague who passed it on may read this note"),
                                              required=False)


class RerouteForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    team = forms.TypedChoiceField(label=gettext_lazy("Team"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["auto_id"] = "reroute_%s"
        super().__init__(*args, **kwargs)
        choice_field(self, "kind").choices = [("", _("(keep the kind)")), *Kind.choices]
        choice_field(self, "team").choices = [("", _("(by the routing rules)")),
                                       *[(t.pk, t.name) for t in people.teams_list()]]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("kind") and not data.get("team"):
            raise forms.ValidationError(_("Give a new kind, a new team, or both."))
        return data


def _signal_for_team(request: HttpRequest, signal_id: int) -> Signal:
    """The console is the handling team's desk: a signal they do not work on is a 404 here (the
    submitter follows their own signals in the app)."""
    user = signed_in_user(request)
    signal = selectors.signal_get_for_user(user=user, signal_id=signal_id)
    if not selectors.can_work_on(user=user, signal=signal):
        raise NotFound("Signal not found.")
    return signal


def _detail(request: HttpRequest, signal: Signal, *, status: int = 200, **forms_: forms.Form) -> HttpResponse:
    allowed = sorted(lifecycle.TRANSITIONS[signal.kind].get(signal.status, frozenset()))
    user = signed_in_user(request)
    context = {
        "signal": signal,
        "contact": getattr(signal, "contact", None) if hasattr(signal, "contact") else None,
        "duplicate_of": selectors.duplicate_of_for(user=user, signal=signal),
        "history": selectors.signal_events_for(signal=signal, team_view=True, viewer=user),
        "scores": _sorted_scores(signal),
        "closed": lifecycle.is_closed(signal.kind, signal.status),
        "overdue": sla.is_overdue(signal, timezone.now()),
        "note_required": [str(STATUS_LABELS.get(s, s)) for s in sorted(lifecycle.NOTE_REQUIRED[signal.kind])],
        "transition_form": forms_.get("transition_form") or (TransitionForm(allowed=allowed) if allowed else None),
        "note_form": forms_.get("note_form") or NoteForm(),
        "reroute_form": forms_.get("reroute_form") or RerouteForm(),
    }
    return render(request, "console/signal.html", context, status=status)


@console_view()
def signal_detail(request: HttpRequest, signal_id: int) -> HttpResponse:
    return _detail(request, _signal_for_team(request, signal_id))


def _refused(request: HttpRequest, signal: Signal, error: DomainError, form_name: str, form: forms.Form) -> HttpResponse:
    """A refused action (a `lost` without a reason, a note on a closed signal) stays on the signal
    page: the form comes back as typed, with the domain's message (already in the agent's language:
    the service ran inside console_view's language override) beside the field it is about."""
    for field, field_messages in error.fields.items():
        if field in form.fields:
            for message in field_messages:
                form.add_error(field, str(message))
    form.add_error(None, str(error.message))
    return _detail(request, _signal_for_team(request, signal.pk), status=error.status_code, **{form_name: form})


def _back(request: HttpRequest, signal_id: int) -> str:
    return safe_next(request, reverse("console:signal", args=[signal_id]))


@console_view(methods=("POST",))
def signal_claim(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = services.signal_claim(signal_id=signal_id, by=signed_in_user(request))
    messages.success(request, _("You have it: #%(id)s is yours.") % {"id": signal.pk})
    return redirect("console:signal", signal_id=signal.pk)


@console_view(methods=("POST",))
def signal_transition(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = _signal_for_team(request, signal_id)
    form = TransitionForm(request.POST, allowed=sorted(lifecycle.ALL_STATUSES))
    if not form.is_valid():
        return _detail(request, signal, status=400, transition_form=form)
    try:
        services.signal_transition(signal_id=signal.pk, by=signed_in_user(request), **form.cleaned_data)
    except NotFound:
        raise
    except DomainError as error:
        allowed = sorted(lifecycle.TRANSITIONS[signal.kind].get(signal.status, frozenset()))
        shown = TransitionForm(request.POST, allowed=sorted({*allowed, form.cleaned_data["to"]}))
        shown.is_valid()  # bound to what was typed, so the page shows it again
        return _refused(request, signal, error, "transition_form", shown)
    messages.success(request, _("Status changed."))
    return redirect(_back(request, signal.pk))


@console_view(methods=("POST",))
def signal_note(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = _signal_for_team(request, signal_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _detail(request, signal, status=400, note_form=form)
    try:
        services.signal_note_add(signal_id=signal.pk, by=signed_in_user(request), **form.cleaned_data)
    except NotFound:
        raise
    except DomainError as error:
        return _refused(request, signal, error, "note_form", form)
    messages.success(request, _("Note added."))
    return redirect(_back(request, signal.pk))


@console_view(methods=("POST",))
def signal_reroute(request: HttpRequest, signal_id: int) -> HttpResponse:
    """Re-route (and, from triage, confirm or correct): the service records it as a correction."""
    user = signed_in_user(request)
    signal = _signal_for_team(request, signal_id)
    form = RerouteForm(request.POST)
    if not form.is_valid():
        return _detail(request, signal, status=400, reroute_form=form)
    moved = services.signal_reroute(signal_id=signal.pk, by=user, kind=form.cleaned_data.get("kind") or None,
                                    team_id=form.cleaned_data.get("team"))
    messages.success(request, _("#%(id)s now goes to %(team)s as %(kind)s.") % {
        "id": moved.pk, "team": moved.team.name if moved.team else "-", "kind": moved.get_kind_display()})
    fallback = reverse("console:signal", args=[moved.pk]) if selectors.can_work_on(
        user=user, signal=moved) else reverse("console:home")
    return redirect(safe_next(request, fallback))
