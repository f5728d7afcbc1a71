"""Signals: capture (employees), queues and handling (sales, support, recruitment), report back."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.errors import DomainError, NotFound
from backend.listening import lifecycle, selectors, services, sla
from backend.listening.models import EventType, HeardVia, Kind, Signal
from backend.people.models import Language, Team
from backend.people.requests import signed_in_user
from backend.sharing import selectors as story_selectors
from mobile_api.fields import SIGNAL_STATUSES, UUID_PATTERN, IdField, id_param
from mobile_api.pagination import StrictCursorPagination
from mobile_api.permissions import IsEditor
from mobile_api.v1.common import PersonRefSerializer, TeamRefSerializer

# Sorts signals without a due time after those with one, on every database.
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


# --- input -------------------------------------------------------------------------------------
class StrictCharField(serializers.CharField):
    """Text that must arrive as a JSON string: `{"text": 123}` is a mistake, not the words "123"."""

    default_error_messages = {"not_a_string": gettext_lazy("Must be a string.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """Consent is legal: only the JSON booleans count, never "yes", "1" or 1."""

    default_error_messages = {"not_a_boolean": gettext_lazy("Must be true or false (a JSON boolean).")}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


# The largest id a PostgreSQL bigint holds: a larger number can name no row.
MAX_ID = 2**63 - 1


class ContactInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False, allow_blank=True)
    best_time = serializers.CharField(max_length=80, required=False, allow_blank=True)


class SignalCreateSerializer(serializers.Serializer):
    text = StrictCharField(max_length=settings.RELAY_SIGNAL_TEXT_MAX, trim_whitespace=True)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, allow_null=True, allow_blank=True)
    contact = ContactInputSerializer(required=False, allow_null=True)
    contact_consent = StrictBooleanField(required=False, default=False)
    contact_consent_version = serializers.CharField(
        max_length=20, required=False, allow_blank=True,
        help_text="Version of the consent wording the person agreed to; defaults to the current one.",
    )
    heard_via = serializers.ChoiceField(choices=HeardVia.choices, required=False, default=HeardVia.OTHER)
    captured_at = serializers.DateTimeField(required=False, allow_null=True)
    story = IdField(required=False, allow_null=True,
                    help_text="A story the submitter may see (their feed); any other is a 400.")

    def validate_story(self, value: int | None) -> int | None:
        if value is None:
            return None
        try:
            story_selectors.story_get_for_user(user=self.context["user"], story_id=value)
        except NotFound:
            raise serializers.ValidationError(_("No such story.")) from None
        return value

    def validate_captured_at(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        now = timezone.now()
        if value > now + timedelta(minutes=10):
            raise serializers.ValidationError(_("Lies in the future; check the phone's clock."))
        if value < now - timedelta(days=60):
            raise serializers.ValidationError(_("More than 60 days ago."))
        return value


class SignalPreviewInputSerializer(serializers.Serializer):
    text = StrictCharField(max_length=settings.RELAY_SIGNAL_TEXT_MAX, trim_whitespace=True)


class ContactAddSerializer(serializers.Serializer):
    contact = ContactInputSerializer()
    contact_consent = StrictBooleanField(help_text="Must be true: the person agreed to be contacted.")
    contact_consent_version = serializers.CharField(
        max_length=20, required=False, allow_blank=True,
        help_text="Version of the consent wording the person agreed to; defaults to the current one.",
    )


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=sorted(lifecycle.ALL_STATUSES - {lifecycle.NEW, lifecycle.WITHDRAWN}))
    note = StrictCharField(max_length=4000, required=False, allow_blank=True, default="")
    visible_to_submitter = serializers.BooleanField(required=False, default=False)


class NoteSerializer(serializers.Serializer):
    text = StrictCharField(max_length=4000)
    visible_to_submitter = serializers.BooleanField(required=False, default=False)


class RerouteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, allow_null=True)
    team = IdField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("kind") and not attrs.get("team"):
            raise serializers.ValidationError(_("Give a new kind, a new team, or both."))
        return attrs


# --- output ------------------------------------------------------------------------------------
class SuggestedContactSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, help_text="E.164, found in the text")
    email = serializers.EmailField(required=False, help_text="found in the text")


class SignalPreviewSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    language = serializers.CharField(help_text="nl, da or en; no or sv (recognised, routed by the fallback language)")
    urgent = serializers.BooleanField()
    confidence = serializers.FloatField()
    suggested_contact = SuggestedContactSerializer(help_text="Contact details found in the text.")
    consent_needed = serializers.BooleanField(
        help_text="The text holds contact details: ask whether the person agreed to be contacted, or they "
                  "are replaced by placeholders on submission.")


class StatusTextMixin:
    """The status in plain words, in the reader's language (`context["language"]`)."""

    context: dict[str, Any]

    def get_status_text(self, signal: Signal) -> str:
        return lifecycle.status_text(signal.status, self.context.get("language", "en"), in_triage=signal.in_triage,
                                     waiting=sla.is_waiting_past_claim(signal, timezone.now()))


class ViewerMixin:
    """The person reading: `context["user"]`, or the request's user in generic views."""

    context: dict[str, Any]

    def viewer(self) -> Any:
        user = self.context.get("user")
        if user is None and self.context.get("request") is not None:
            user = self.context["request"].user
        return user

    def visible_duplicate_of(self, signal: Signal) -> int | None:
        user = self.viewer()
        return None if user is None else selectors.duplicate_of_for(user=user, signal=signal)


class SignalCreatedSerializer(ViewerMixin, StatusTextMixin, serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    urgent = serializers.BooleanField()
    status = serializers.ChoiceField(choices=SIGNAL_STATUSES)
    status_text = serializers.SerializerMethodField()
    team = TeamRefSerializer(allow_null=True)
    in_triage = serializers.BooleanField()
    confidence = serializers.FloatField()
    suggested_contact = serializers.SerializerMethodField()
    duplicate_of = serializers.SerializerMethodField(
        help_text="An earlier signal about the same person, only when you may see that signal.")
    already_known = serializers.SerializerMethodField(
        help_text="One of your own earlier signals is about the same person: we already know about this.")
    due_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_duplicate_of(self, signal: Signal) -> int | None:
        return self.visible_duplicate_of(signal)

    def get_already_known(self, signal: Signal) -> bool:
        return selectors.already_known_for_submitter(signal=signal)

    @extend_schema_field(SuggestedContactSerializer)
    def get_suggested_contact(self, signal: Signal) -> dict[str, Any]:
        return self.context.get("suggested_contact", {})


class NoteOutSerializer(serializers.Serializer):
    text = serializers.CharField(source="note")
    status = serializers.ChoiceField(choices=SIGNAL_STATUSES, source="to_status")
    at = serializers.DateTimeField(source="created_at")


class MySignalSerializer(StatusTextMixin, serializers.Serializer):
    """What the submitter sees: their words, the status in plain words, and notes meant for them."""

    view = serializers.SerializerMethodField(help_text="`submitter`: this shape (see GET /signals/{id})")
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    text = serializers.CharField()
    status = serializers.ChoiceField(choices=SIGNAL_STATUSES)
    status_text = serializers.SerializerMethodField()
    team = TeamRefSerializer(allow_null=True)
    in_triage = serializers.BooleanField()
    closed = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    notes = serializers.SerializerMethodField()
    can_withdraw = serializers.SerializerMethodField()

    def get_closed(self, signal: Signal) -> bool:
        return signal.closed_at is not None

    @extend_schema_field(NoteOutSerializer(many=True))
    def get_notes(self, signal: Signal) -> list[dict[str, Any]]:
        notes = getattr(signal, "submitter_notes", None)
        if notes is None:
            notes = [e for e in selectors.signal_events_for(signal=signal, team_view=False) if e.note]
        return serializers.ListSerializer(notes, child=NoteOutSerializer()).data

    def get_can_withdraw(self, signal: Signal) -> bool:
        return signal.status == lifecycle.NEW and signal.assignee_id is None


    @extend_schema_field(serializers.ChoiceField(choices=["submitter"]))
    def get_view(self, signal: Signal) -> str:
        return "submitter"

class ContactOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices)
    best_time = serializers.CharField()
    consent_at = serializers.DateTimeField(allow_null=True)
    consent_wording_version = serializers.CharField()
    purged = serializers.SerializerMethodField()

    def get_purged(self, contact: Any) -> bool:
        return contact.purged_at is not None


class EventOutSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=EventType.choices)
    actor = PersonRefSerializer(allow_null=True)
    from_status = serializers.ChoiceField(choices=SIGNAL_STATUSES, allow_blank=True)
    to_status = serializers.ChoiceField(choices=SIGNAL_STATUSES, allow_blank=True)
    note = serializers.CharField()
    visible_to_submitter = serializers.BooleanField()
    # DRF's metaclass moves declared fields off the class, so this field does not shadow Serializer.data.
    data = serializers.DictField()  # type: ignore[assignment]  # a field named like Serializer.data
    at = serializers.DateTimeField(source="created_at")


class QueueSignalSerializer(ViewerMixin, serializers.Serializer):
    """What the handling team sees in a queue: enough to pick, including the contact."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    text = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices)
    urgent = serializers.BooleanField()
    status = serializers.ChoiceField(choices=SIGNAL_STATUSES)
    team = TeamRefSerializer(allow_null=True)
    in_triage = serializers.BooleanField()
    confidence = serializers.FloatField()
    scores = serializers.DictField(child=serializers.FloatField())
    topics = serializers.ListField(child=serializers.CharField())
    assignee = PersonRefSerializer(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True, help_text="Resolution due; the same as `resolve_due_at`.")
    claim_due_at = serializers.DateTimeField(allow_null=True, help_text="To be claimed by (service-level time).")
    resolve_due_at = serializers.DateTimeField(source="due_at", allow_null=True,
                                               help_text="To be resolved by (service-level time).")
    overdue = serializers.SerializerMethodField(
        help_text="Open and past a deadline: unclaimed past `claim_due_at`, or past `resolve_due_at`.")
    contact = serializers.SerializerMethodField()
    heard_via = serializers.ChoiceField(choices=HeardVia.choices)
    captured_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    duplicate_of = serializers.SerializerMethodField(
        help_text="An earlier signal about the same person, only when you may see that signal.")

    def get_duplicate_of(self, signal: Signal) -> int | None:
        return self.visible_duplicate_of(signal)

    def get_overdue(self, signal: Signal) -> bool:
        return sla.is_overdue(signal, timezone.now())

    @extend_schema_field(ContactOutSerializer(allow_null=True))
    def get_contact(self, signal: Signal) -> dict[str, Any] | None:
        contact = getattr(signal, "contact", None) if hasattr(signal, "contact") else None
        return ContactOutSerializer(contact).data if contact else None


class SignalDetailSerializer(QueueSignalSerializer):
    view = serializers.SerializerMethodField(help_text="`team`: this shape (see GET /signals/{id})")
    kind_chosen = serializers.CharField()
    kind_predicted = serializers.CharField()
    model_version = serializers.CharField()
    routing_reason = serializers.CharField()
    outcome = serializers.CharField()
    story = serializers.IntegerField(source="story_ref", allow_null=True)
    submitter = PersonRefSerializer()
    history = serializers.SerializerMethodField()

    @extend_schema_field(EventOutSerializer(many=True))
    def get_history(self, signal: Signal) -> list[dict[str, Any]]:
        history = selectors.signal_events_for(signal=signal, team_view=True, viewer=self.viewer())
        return serializers.ListSerializer(history, child=EventOutSerializer()).data


    @extend_schema_field(serializers.ChoiceField(choices=["team"]))
    def get_view(self, signal: Signal) -> str:
        return "team"

class QueueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.SerializerMethodField()
    is_triage = serializers.BooleanField()

    def get_kind(self, team: Team) -> str:
        return "triage" if team.is_triage else team.kind


class RerouteResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    team = TeamRefSerializer(allow_null=True)
    in_triage = serializers.BooleanField()
    status = serializers.ChoiceField(choices=SIGNAL_STATUSES)


# --- views -------------------------------------------------------------------------------------
def _language(request: Request) -> str:
    profile = getattr(request.user, "profile", None)
    return getattr(profile, "language", "en")


def _idempotency_key(request: Request) -> uuid.UUID | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None or raw == "":
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise DomainError(
            _("Idempotency-Key must be a UUID made by the app for this submission."),
            code="validation_error", fields={"Idempotency-Key": [_("Not a UUID.")]},
        ) from None


class SignalCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Pass on a signal (complaint, lead, referral, friend discount, feedback)",
        request=SignalCreateSerializer,
        responses={201: SignalCreatedSerializer},
        parameters=[OpenApiParameter(
            # A string with a pattern, not `format: uuid`: generated clients then take the text they send.
            "Idempotency-Key", {"type": "string", "pattern": UUID_PATTERN}, OpenApiParameter.HEADER,
            description="A UUID (as text) the app makes per submission; a retry with the same key returns the "
            "first result.",
        )],
    )
    def post(self, request: Request) -> Response:
        key = _idempotency_key(request)
        data = SignalCreateSerializer(data=request.data, context={"user": signed_in_user(request)})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = services.signal_submit(
            submitter=signed_in_user(request),
            text=v["text"],
            kind=v.get("kind") or None,
            contact=v.get("contact") or None,
            contact_consent=v["contact_consent"],
            consent_wording_version=v.get("contact_consent_version") or None,
            heard_via=v["heard_via"],
            captured_at=v.get("captured_at"),
            story=v.get("story"),
            idempotency_key=key,
        )
        body = SignalCreatedSerializer(result.signal, context={
            "language": _language(request), "suggested_contact": result.suggested_contact, "user": request.user,
        }).data
        response = Response(body, status=status.HTTP_201_CREATED)
        if not result.created:
            response["Idempotent-Replayed"] = "true"
        return response


class SignalPreviewView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Preview a signal before sending: kind, urgency, contact details found; stores nothing",
        request=SignalPreviewInputSerializer, responses={200: SignalPreviewSerializer},
    )
    def post(self, request: Request) -> Response:
        data = SignalPreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preview = selectors.signal_preview(text=data.validated_data["text"])
        return Response(SignalPreviewSerializer(preview).data)


class SignalContactView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Add the contact to my signal, with their consent, within 24 hours of passing it on",
        request=ContactAddSerializer, responses={201: ContactOutSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = ContactAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        contact = services.signal_contact_add(
            signal_id=pk, by=signed_in_user(request), contact=v["contact"], contact_consent=v["contact_consent"],
            consent_wording_version=v.get("contact_consent_version") or None,
        )
        return Response(ContactOutSerializer(contact).data, status=status.HTTP_201_CREATED)


class MySignalsView(generics.ListAPIView):
    """My own signals, newest first, with their status in plain words and the notes meant for me."""

    permission_classes = [IsAuthenticated]
    serializer_class = MySignalSerializer

    def get_queryset(self) -> QuerySet[Signal]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Signal.objects.none()
        return selectors.signals_for_submitter(user=signed_in_user(self.request))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "language": _language(self.request)}


class SignalDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="One signal: the full record for its team, the submitter's view for the submitter",
        description="The handling team (and triage, admins) get the full record, `view: team`; the "
        "submitter gets their own view, `view: submitter`. `view` is the discriminator.",
        responses={200: PolymorphicProxySerializer(
            component_name="SignalView",
            serializers={"team": SignalDetailSerializer, "submitter": MySignalSerializer},
            resource_type_field_name="view",
        )},
    )
    def get(self, request: Request, pk: int) -> Response:
        user = signed_in_user(request)
        signal = selectors.signal_get_for_user(user=user, signal_id=pk)
        if selectors.can_work_on(user=user, signal=signal):
            return Response(SignalDetailSerializer(signal, context={"user": user}).data)
        return Response(MySignalSerializer(signal, context={"language": _language(request)}).data)


class SignalClaimView(APIView):
    # Who may act is decided per signal by team membership (the domain answers 404 otherwise).
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Claim: exactly one person gets it; the others get a 409 naming who has it",
                   request=None, responses={200: SignalDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in_user(request)
        signal = services.signal_claim(signal_id=pk, by=user)
        return Response(SignalDetailSerializer(selectors.signal_get_for_user(user=user, signal_id=signal.pk),
                                               context={"user": user}).data)


class SignalTransitionView(APIView):
    # Who may act is decided per signal by team membership (the domain answers 404 otherwise).
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Move a signal along its lifecycle", request=TransitionSerializer,
                   responses={200: SignalDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in_user(request)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signal = services.signal_transition(signal_id=pk, by=user, **data.validated_data)
        return Response(SignalDetailSerializer(selectors.signal_get_for_user(user=user, signal_id=signal.pk),
                                               context={"user": user}).data)


class SignalNoteView(APIView):
    # Who may act is decided per signal by team membership (the domain answers 404 otherwise).
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Add a note (internal, or visible to the submitter)", request=NoteSerializer,
                   responses={201: EventOutSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.signal_note_add(signal_id=pk, by=signed_in_user(request), **data.validated_data)
        return Response(EventOutSerializer(event).data, status=status.HTTP_201_CREATED)


class SignalRerouteView(APIView):
    # Who may act is decided per signal by team membership (the domain answers 404 otherwise).
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Re-route to another kind and/or team (kept as a training correction)",
                   request=RerouteSerializer, responses={200: RerouteResultSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = RerouteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signal = services.signal_reroute(
            signal_id=pk, by=signed_in_user(request), kind=data.validated_data.get("kind"),
            team_id=data.validated_data.get("team"),
        )
        return Response(RerouteResultSerializer(signal).data)


class SignalWithdrawView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Withdraw my signal while nobody has claimed it", request=None,
                   responses={200: MySignalSerializer})
    def post(self, request: Request, pk: int) -> Response:
        signal = services.signal_withdraw(signal_id=pk, by=signed_in_user(request))
        return Response(MySignalSerializer(signal, context={"language": _language(request)}).data)


class QueueListView(generics.ListAPIView):
    """The queues I work: my teams' (all of them for admins), the triage queue first when I am in it."""

    # Who may act is decided per signal by team membership (the domain answers 404 otherwise).
    permission_classes = [IsAuthenticated]
    serializer_class = QueueSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Team]:
        if getattr(self, "swagger_fake_view", False):
            return Team.objects.none()
        return selectors.queues_for_user(user=signed_in_user(self.request))


class QueueSignalFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=[(s, s) for s in sorted(lifecycle.ALL_STATUSES)])
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices)
    language = django_filters.ChoiceFilter(choices=Language.choices)
    urgent = django_filters.ChoiceFilter(
        choices=[(v, v) for v in ("true", "false", "1", "0")], method="filter_urgent",
        help_text="true/false (or 1/0); anything else is a 400",
    )
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="`me`, `none`, or a person's id")
    include_closed = django_filters.BooleanFilter(method="filter_noop", help_text="also closed signals")

    class Meta:
        model = Signal
        fields = ["status", "kind", "language"]

    def filter_urgent(self, queryset: QuerySet[Signal], name: str, value: str) -> QuerySet[Signal]:
        return queryset.filter(urgent=value in ("true", "1"))

    def filter_assignee(self, queryset: QuerySet[Signal], name: str, value: str) -> QuerySet[Signal]:
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=id_param(value, name="assignee"))

    def filter_noop(self, queryset: QuerySet[Signal], name: str, value: bool) -> QuerySet[Signal]:
        return queryset


class QueuePagination(StrictCursorPagination):
    # Urgent first, then the earliest due time (signals without one after those with), then oldest.
    ordering = ("-urgent", "due_sort", "created_at", "id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class QueueSignalsView(generics.ListAPIView):
    """The signals in one of my queues, urgent first, then by due time, filterable by status, kind and assignee."""

    # Who may act is decided per signal by team membership (the domain answers 404 otherwise).
    permission_classes = [IsAuthenticated]
    serializer_class = QueueSignalSerializer
    pagination_class = QueuePagination
    filterset_class = QueueSignalFilter

    def get_queryset(self) -> QuerySet[Signal]:
        if getattr(self, "swagger_fake_view", False):
            return Signal.objects.none()
        team = selectors.queue_get_for_user(user=signed_in_user(self.request), team_id=self.kwargs["pk"])
        include_closed = self.request.query_params.get("include_closed") in ("true", "1", "True")
        return selectors.queue_signals(team=team, include_closed=include_closed).annotate(
            due_sort=Coalesce("due_at", Value(FAR_FUTURE))
        )


class FiguresRowSerializer(serializers.Serializer):
    week = serializers.DateField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    team = TeamRefSerializer()
    count = serializers.IntegerField()
    median_hours_to_first_action = serializers.FloatField(allow_null=True)
    overdue = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    lead_conversion = serializers.FloatField(allow_null=True)


class SignalFiguresView(APIView):
    permission_classes = [IsEditor]

    @extend_schema(summary="Signal figures per kind, team and week (last 12 weeks)",
                   responses={200: FiguresRowSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(FiguresRowSerializer(selectors.signal_figures(), many=True).data)

