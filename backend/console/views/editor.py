"""Editors: stories (write, target, schedule, preview the share texts), campaigns, the draft review
inbox, and the sharing figures with charts and the CSV export. The sharing services and the
insights selectors do the work; the role gate is the API's `IsEditor` (editors and admins)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.console import charts
from backend.console.access import EDITORS, choice_field, console_view
from backend.core.errors import DomainError
from backend.insights import selectors as insights
from backend.people import selectors as people
from backend.people.models import Language, Role, SocialChannel
from backend.people.requests import signed_in_user
from backend.sharing import links, selectors, services
from backend.sharing.models import (
    KPI_NAMES,
    CampaignGoal,
    Dimension,
    DraftDecision,
    DraftStatus,
    Story,
    StoryState,
    StoryType,
)

SUGGESTED_ROWS = 3


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _words(text: str) -> list[str]:
    return [w.strip() for w in (text or "").replace(",", " ").split() if w.strip()]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class StoryForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    summary = forms.CharField(label=gettext_lazy("Summary"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    body = forms.CharField(label=gettext_lazy("Body"), max_length=50_000, required=False,
                           widget=forms.Textarea(attrs={"rows": 5}))
    url = forms.URLField(label=gettext_lazy("Page (URL)"), max_length=500, assume_scheme="https")
    image_url = forms.URLField(label=gettext_lazy("Image (URL)"), max_length=500, required=False,
                               assume_scheme="https")
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=StoryType.choices)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)
    talking_points = forms.CharField(label=gettext_lazy("Talking points (one a line)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    hashtags = forms.CharField(label=gettext_lazy("Hashtags"), required=False, max_length=1000)
    campaign = forms.TypedChoiceField(label=gettext_lazy("Campaign"), required=False, coerce=int, empty_value=None)
    for_alumni = forms.BooleanField(label=gettext_lazy("Alumni may see it too"), required=False)
    audience_team = forms.TypedMultipleChoiceField(label=gettext_lazy("Teams"), required=False, coerce=int,
                                                   widget=forms.CheckboxSelectMultiple)
    audience_role = forms.MultipleChoiceField(label=gettext_lazy("Roles"), required=False, choices=Role.choices,
                                              widget=forms.CheckboxSelectMultiple)
    audience_interest = forms.MultipleChoiceField(label=gettext_lazy("Interests"), required=False,
                                                  widget=forms.CheckboxSelectMultiple)
    audience_language = forms.MultipleChoiceField(label=gettext_lazy("Languages"), required=False,
                                                  choices=Language.choices, widget=forms.CheckboxSelectMultiple)
    audience_location = forms.CharField(label=gettext_lazy("Locations (comma-separated)"), required=False,
                                        max_length=1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "campaign").choices = [("", _("(none)")),
                                                  *[(c.pk, c.name) for c in selectors.campaigns_list()]]
        choice_field(self, "audience_team").choices = [(t.pk, t.name) for t in people.teams_list() if not t.is_triage]
        choice_field(self, "audience_interest").choices = [(i.slug, i.name) for i in people.interests_list()]
        for n in range(SUGGESTED_ROWS):
            self.fields[f"st{n}_channel"] = forms.ChoiceField(
                label=gettext_lazy("Channel"), required=False, choices=[("", "-"), *SocialChannel.choices])
            self.fields[f"st{n}_language"] = forms.ChoiceField(
                label=gettext_lazy("Language"), required=False, choices=[("", "-"), *Language.choices])
            self.fields[f"st{n}_text"] = forms.CharField(
                label=gettext_lazy("Suggested text"), required=False, max_length=3000,
                widget=forms.Textarea(attrs={"rows": 2}))

    def suggested_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"st{n}_channel"], self[f"st{n}_language"], self[f"st{n}_text"]) for n in range(SUGGESTED_ROWS)]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for n in range(SUGGESTED_ROWS):
            parts = [data.get(f"st{n}_channel"), data.get(f"st{n}_language"), (data.get(f"st{n}_text") or "").strip()]
            if any(parts) and not all(parts):
                self.add_error(f"st{n}_text", _("A suggested text needs a channel, a language and the text."))
        return data

    def service_fields(self) -> dict[str, Any]:
        """What `story_create` / `story_update` take, in the API's shapes."""
        d = self.cleaned_data
        return {
            "title": d["title"], "summary": d["summary"], "body": d["body"], "url": d["url"],
            "image_url": d["image_url"], "type": d["type"], "language": d["language"],
            "talking_points": _lines(d["talking_points"]),
            "hashtags": [h if h.startswith("#") else f"#{h}" for h in _words(d["hashtags"])],
            "suggested_texts": [
                {"channel": d[f"st{n}_channel"], "language": d[f"st{n}_language"], "text": d[f"st{n}_text"].strip()}
                for n in range(SUGGESTED_ROWS) if d.get(f"st{n}_text", "").strip()
            ],
            "for_alumni": d["for_alumni"], "campaign_id": d.get("campaign"),
        }

    def audience(self) -> dict[str, list[Any]]:
        d = self.cleaned_data
        return {
            Dimension.TEAM: d["audience_team"], Dimension.ROLE: d["audience_role"],
            Dimension.INTEREST: d["audience_interest"], Dimension.LANGUAGE: d["audience_language"],
            Dimension.LOCATION: [x.strip() for x in d["audience_location"].split(",") if x.strip()],
        }

    @classmethod
    def initial_for(cls, story: Story) -> dict[str, Any]:
        audience = selectors.story_audience(story=story)
        initial: dict[str, Any] = {
            "title": story.title, "summary": story.summary, "body": story.body, "url": story.url,
            "image_url": story.image_url, "type": story.type, "language": story.language,
            "talking_points": "\n".join(story.talking_points), "hashtags": " ".join(story.hashtags),
            "campaign": story.campaign_id, "for_alumni": story.for_alumni,
            "audience_team": audience[Dimension.TEAM], "audience_role": audience[Dimension.ROLE],
            "audience_interest": audience[Dimension.INTEREST], "audience_language": audience[Dimension.LANGUAGE],
            "audience_location": ", ".join(audience[Dimension.LOCATION]),
        }
        for n, text in enumerate([t for t in story.suggested_texts if isinstance(t, dict)][:SUGGESTED_ROWS]):
            initial.update({f"st{n}_channel": text.get("channel"), f"st{n}_language": text.get("language"),
                            f"st{n}_text": text.get("text")})
        return initial


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(label=gettext_lazy("Publish at (empty: now)"), required=False,
                                     widget=DateTimeInput())
    expires_at = forms.DateTimeField(label=gettext_lazy("Expires at"), required=False, widget=DateTimeInput())


def _apply_field_errors(form: forms.Form, error: DomainError) -> bool:
    """Put a service's field errors on the form; True when there were any to show."""
    mapping = {"campaign": "campaign", "expires_at": "expires_at", "publish_at": "publish_at",
               "ends_on": "ends_on", "kpi_targets": None, "comment": "comment"}
    shown = False
    for field, problems in error.fields.items():
        target = mapping.get(field, field)
        form.add_error(target if target in form.fields else None, problems)
        shown = True
    if not shown:
        form.add_error(None, error.message)
    return True


# --- stories ------------------------------------------------------------------------------------
@console_view(roles=EDITORS)
def story_index(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state") or None
    if state not in (None, *StoryState.values):
        state = None
    stories = selectors.stories_for_editor(state=state).order_by("-updated_at", "-id")[:200]
    return render(request, "console/stories.html", {"stories": stories, "state": state,
                                                    "states": StoryState.choices})


@console_view(roles=EDITORS, methods=("GET", "POST"))
def story_new(request: HttpRequest) -> HttpResponse:
    form = StoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            story = services.story_create(by=signed_in_user(request), audience=form.audience(), **form.service_fields())
        except DomainError as error:
            _apply_field_errors(form, error)
        else:
            messages.success(request, _("Story saved as a draft. Schedule it to publish."))
            return redirect("console:story", story_id=story.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "console/story_form.html", {"form": form, "story": None}, status=status)


def _previews(story: Story, base: str) -> list[dict[str, Any]]:
    """Each suggested text as an employee would start from it: the text, the hashtags and a tracked
    link (a placeholder: real codes are made per share), and the channel's share intent."""
    link = f"{base}/s/AbCd1234"
    previews = []
    for text in story.suggested_texts:
        if not isinstance(text, dict):
            continue
        message = text.get("text", "")
        tags = " ".join(h for h in story.hashtags if h.lower() not in message.lower())
        previews.append({
            "channel": text.get("channel", ""), "language": text.get("language", ""),
            "message": f"{message} {tags}".strip(), "link": link,
            "intent_url": links.intent_url(channel=text.get("channel", ""), message=message, link=link,
                                           title=story.title),
        })
    return previews


@console_view(roles=EDITORS, methods=("GET", "POST"))
def story_detail(request: HttpRequest, story_id: int) -> HttpResponse:
    story = selectors.story_for_editor(story_id=story_id)
    form = StoryForm(request.POST or None, initial=StoryForm.initial_for(story))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.story_update(story_id=story.pk, audience=form.audience(), **form.service_fields())
            except DomainError as error:
                if error.status_code == 404:
                    raise
                _apply_field_errors(form, error)
            else:
                messages.success(request, _("Story saved."))
                return redirect("console:story", story_id=story.pk)
        status = 400
    base = settings.RELAY_PUBLIC_BASE_URL or request.build_absolute_uri("/").rstrip("/")  # as the API's links
    audience_size = len(selectors.audience_user_ids(story=story))
    return render(request, "console/story.html", {
        "story": story, "form": form, "schedule_form": ScheduleForm(initial={"expires_at": story.expires_at}),
        "previews": _previews(story, base), "audience_size": audience_size,
        "editable": story.state in (StoryState.DRAFT, StoryState.SCHEDULED, StoryState.PUBLISHED),
        "schedulable": story.state in (StoryState.DRAFT, StoryState.SCHEDULED),
    }, status=status)


@console_view(roles=EDITORS, methods=("POST",))
def story_schedule(request: HttpRequest, story_id: int) -> HttpResponse:
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the dates: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("console:story", story_id=story_id)
    story = services.story_schedule(story_id=story_id, publish_at=form.cleaned_data["publish_at"],
                                    expires_at=form.cleaned_data["expires_at"])
    messages.success(request, _("Published.") if story.state == StoryState.PUBLISHED else _("Scheduled."))
    return redirect("console:story", story_id=story_id)


@console_view(roles=EDITORS, methods=("POST",))
def story_archive(request: HttpRequest, story_id: int) -> HttpResponse:
    services.story_archive(story_id=story_id)
    messages.success(request, _("Archived: it has left every feed."))
    return redirect("console:story", story_id=story_id)


# --- campaigns ----------------------------------------------------------------------------------
class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    goal = forms.ChoiceField(label=gettext_lazy("Goal"), choices=CampaignGoal.choices)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kpi in KPI_NAMES:
            self.fields[f"kpi_{kpi}"] = forms.IntegerField(label=kpi.replace("_", " "), required=False, min_value=1)

    def kpi_fields(self) -> list[forms.BoundField]:
        return [self[f"kpi_{kpi}"] for kpi in KPI_NAMES]

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"name": d["name"], "goal": d["goal"], "description": d["description"],
                "starts_on": d["starts_on"], "ends_on": d["ends_on"],
                "kpi_targets": {k: d[f"kpi_{k}"] for k in KPI_NAMES if d.get(f"kpi_{k}")}}


@console_view(roles=EDITORS, methods=("GET", "POST"))
def campaign_index(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(by=signed_in_user(request), **form.service_fields())
        except DomainError as error:
            _apply_field_errors(form, error)
        else:
            messages.success(request, _("Campaign created."))
            return redirect("console:campaign", campaign_id=campaign.pk)
    campaigns = selectors.campaigns_list(include_archived=request.GET.get("archived") == "1")
    return render(request, "console/campaigns.html", {"campaigns": campaigns, "form": form},
                  status=400 if request.method == "POST" else 200)


@console_view(roles=EDITORS, methods=("GET", "POST"))
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(campaign_id=campaign_id)
    initial = {"name": campaign.name, "goal": campaign.goal, "description": campaign.description,
               "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
               **{f"kpi_{k}": v for k, v in campaign.kpi_targets.items()}}
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(campaign_id=campaign.pk, **form.service_fields())
        except DomainError as error:
            if error.status_code == 404:
                raise
            _apply_field_errors(form, error)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("console:campaign", campaign_id=campaign.pk)
    progress = insights.campaign_progress(campaign=campaign)
    chart = charts.bar_chart([(p["kpi"].replace("_", " "), round(100 * (p["progress"] or 0))) for p in progress],
                             title=_("Progress against the targets, per cent"), chart_id="progress")
    return render(request, "console/campaign.html", {
        "campaign": campaign, "form": form, "progress": progress, "chart": chart,
        "stories": selectors.stories_for_editor(campaign_id=campaign.pk).order_by("-id")[:100],
    }, status=400 if request.method == "POST" else 200)


@console_view(roles=EDITORS, methods=("POST",))
def campaign_archive(request: HttpRequest, campaign_id: int) -> HttpResponse:
    services.campaign_archive(campaign_id=campaign_id)
    messages.success(request, _("Campaign archived."))
    return redirect("console:campaign", campaign_id=campaign_id)


# --- drafts -------------------------------------------------------------------------------------
class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=DraftDecision.choices,
                                 widget=forms.RadioSelect)
    comment = forms.CharField(label=gettext_lazy("Comment for the author"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 2}))


@console_view(roles=EDITORS)
def draft_index(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", DraftStatus.SUBMITTED)
    if status not in DraftStatus.values:
        status = DraftStatus.SUBMITTED
    drafts = selectors.drafts_for_user(user=signed_in_user(request), status=status).order_by("id")[:100]
    return render(request, "console/drafts.html", {
        "drafts": [(d, ReviewForm(prefix=f"d{d.pk}")) for d in drafts], "status": status,
        "statuses": DraftStatus.choices,
    })


@console_view(roles=EDITORS, methods=("POST",))
def draft_review(request: HttpRequest, draft_id: int) -> HttpResponse:
    form = ReviewForm(request.POST, prefix=f"d{draft_id}")
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("console:drafts")
    draft = services.draft_review(draft_id=draft_id, by=signed_in_user(request), **form.cleaned_data)
    if draft.story_id:
        messages.success(request, _("Approved: it is now a story to frame and schedule."))
        return redirect("console:story", story_id=draft.story_id)
    messages.success(request, _("Decision sent to the author."))
    return redirect(reverse("console:drafts"))


# --- figures ------------------------------------------------------------------------------------
def _grouping(request: HttpRequest) -> str:
    by = request.GET.get("by") or "campaign"
    return by if by in insights.GROUPINGS else "campaign"


@console_view(roles=EDITORS)
def figures(request: HttpRequest) -> HttpResponse:
    by = _grouping(request)
    rows = insights.sharing_figures(by=by)
    labelled = [(r["name"] or r["key"] or _("(none)"), r) for r in rows]
    return render(request, "console/figures.html", {
        "by": by, "groupings": insights.GROUPINGS, "rows": labelled,
        "clicks_chart": charts.bar_chart([(label, r["clicks"]) for label, r in labelled],
                                         title=_("Clicks per %(by)s") % {"by": by}, chart_id="clicks"),
        "shares_chart": charts.bar_chart([(label, r["shares"]) for label, r in labelled],
                                         title=_("Shares per %(by)s") % {"by": by}, chart_id="shares"),
        "since": timezone.localdate() - timedelta(weeks=12),
    })


@console_view(roles=EDITORS)
def figures_export(request: HttpRequest) -> HttpResponse:
    """The insights CSV export, the same file as `GET /api/v1/figures/sharing/export/`."""
    by = _grouping(request)
    response = HttpResponse(insights.sharing_figures_csv(by=by), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sharing-{by}-{timezone.localdate()}.csv"'
    return response
