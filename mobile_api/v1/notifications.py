"""Devices, the in-app inbox, push preferences and websocket tickets."""
from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import Token

from backend.people.requests import signed_in_user
from mobile_api.pagination import StrictCursorPagination
from notifications import selectors, services
from notifications.models import Category, Notification, Platform, Priority, PushState

# The `type` of an inbox entry (dotted, like the live events). A client switches on it, so the
# schema lists them; a new type is added here with the event that sends it.
NOTIFICATION_TYPES = [
    "draft.reviewed", "draft.submitted", "signal.claimed", "signal.due_soon", "signal.escalated", "signal.note",
    "signal.overdue", "signal.routed", "signal.status", "story.published", "webhook.disabled",
]

LOCAL_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class DeviceInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=4096, min_length=20)
    platform = serializers.ChoiceField(choices=Platform.choices)
    installation_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    app_version = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    locale = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class DeviceDeleteSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=4096)


class DeviceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    app_version = serializers.CharField()
    locale = serializers.CharField()
    active = serializers.BooleanField()


def _signed_in_at(request: Request) -> datetime | None:
    """When the access token of this request was issued (its `iat`), the sign-in's freshness."""
    token = request.auth  # simplejwt's validated token (ProfileJWTAuthentication)
    issued = token.payload.get("iat") if isinstance(token, Token) else None
    return datetime.fromtimestamp(issued, tz=UTC) if isinstance(issued, int | float) else None


class DeviceView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Register this app's FCM token",
        description="Answers the device with its `id`, which `DELETE /devices/{id}/` takes. A token or "
        "installation id registered to another person answers 409 `device_registered_elsewhere` unless "
        "the same installation re-registers it within 10 minutes of a sign-in (see docs/api.md).",
        request=DeviceInputSerializer, responses={201: DeviceOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        data = DeviceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = services.device_register(user=signed_in_user(request), signed_in_at=_signed_in_at(request),
                                          **data.validated_data)
        return Response(DeviceOutputSerializer(device).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Unregister a device by its token in the body (older apps)",
        description="Kept for apps that send the token in a DELETE body; many clients and proxies drop such "
        "bodies, so new apps use `DELETE /devices/{id}/`.",
        request=DeviceDeleteSerializer, responses={204: None}, deprecated=True,
    )
    def delete(self, request: Request) -> Response:
        data = DeviceDeleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.device_unregister(user=signed_in_user(request), token=data.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# Keys of `data` that hold ids: integers in the API like every other id, although the FCM data
# payload (and so the stored row) carries them as strings.
_ID_KEYS = frozenset({"id", "claimed_by"})


@extend_schema_field({
    "type": "object",
    "properties": {"type": {"type": "string", "example": "signal"}, "id": {"type": "integer", "example": 42}},
    "additionalProperties": {"type": "string"},
    "description": "What the app deep-links to: the kind of object and its id.",
})
class NotificationDataField(serializers.Field):
    def to_representation(self, value: dict[str, str]) -> dict[str, Any]:
        return {k: int(v) if k in _ID_KEYS and str(v).isdigit() else v for k, v in (value or {}).items()}


class DeviceDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Unregister one of my devices (on logout)", operation_id="devices_destroy_by_id",
                   description="`id` is the one answered by `POST /devices/`. Another person's device is a 404.",
                   request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.device_unregister(user=signed_in_user(request), device_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationSerializer(serializers.Serializer):
    """One inbox entry. The title names what it is about (kind and a contact-free excerpt); the push
    that went out through FCM carried only a neutral title (`Notification.inbox_title`)."""

    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=NOTIFICATION_TYPES)
    category = serializers.ChoiceField(choices=Category.choices)
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    data = NotificationDataField()  # type: ignore[assignment]  # a field named like Serializer.data
    priority = serializers.ChoiceField(choices=Priority.choices)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    pushed = serializers.SerializerMethodField(help_text="false while waiting, or when it could not be pushed")
    push_state = serializers.ChoiceField(choices=PushState.choices)

    def get_pushed(self, n: Notification) -> bool:
        return n.push_state == "sent"

    def get_title(self, n: Notification) -> str:
        return n.inbox_title or n.title

    def get_body(self, n: Notification) -> str:
        return n.inbox_body or n.body


class InboxPagination(StrictCursorPagination):
    ordering = "-created_at"
    page_size = 30
    page_size_query_param = "page_size"
    max_page_size = 100
    request: Request  # set by CursorPagination.paginate_queryset; drf-stubs do not declare it

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["unread_count"] = selectors.unread_count(user=signed_in_user(self.request))
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        base = super().get_paginated_response_schema(schema)
        base["properties"]["unread_count"] = {"type": "integer"}
        return base


class InboxView(generics.ListAPIView):
    """My notifications, newest first, with the number of unread ones."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = InboxPagination

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.inbox_for(user=signed_in_user(self.request))


class MarkReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Mark one notification read", request=None, responses={200: NotificationSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return Response(NotificationSerializer(services.notification_mark_read(user=signed_in_user(request),
                                                                               notification_id=pk)).data)


class MarkAllReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Mark all my notifications read", request=None,
                   responses={200: inline_serializer("MarkAllRead", {"marked": serializers.IntegerField(),
                                                                     "unread_count": serializers.IntegerField()})})
    def post(self, request: Request) -> Response:
        user = signed_in_user(request)
        marked = services.notifications_mark_all_read(user=user)
        return Response({"marked": marked, "unread_count": selectors.unread_count(user=user)})


@extend_schema_field({"type": "string", "pattern": LOCAL_TIME.pattern, "example": "21:30"})
class LocalTimeField(serializers.Field):
    """A wall-clock time "HH:MM" in the person's own time zone (not an RFC 3339 time with offset)."""

    default_error_messages = {"invalid": "Use HH:MM, e.g. 21:30."}

    def to_internal_value(self, data: Any) -> time:
        if not isinstance(data, str) or not LOCAL_TIME.match(data):
            self.fail("invalid")
        hours, minutes = data.split(":")
        return time(int(hours), int(minutes))

    def to_representation(self, value: time) -> str:
        return value.strftime("%H:%M")


class QuietHoursSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    start = LocalTimeField(required=False, help_text="HH:MM, my local time")
    end = LocalTimeField(required=False, help_text="HH:MM, my local time")
    daily_story_cap = serializers.IntegerField(min_value=0, max_value=50, required=False)


class EmailPreferencesSerializer(serializers.Serializer):
    digest = serializers.BooleanField(required=False, help_text="the weekly digest when I did not open the app")
    daily_summary = serializers.BooleanField(required=False, help_text="team leads: the daily summary of my teams")
    escalations = serializers.BooleanField(required=False, help_text="team leads: overdue signals of my teams")


class PreferencesSerializer(serializers.Serializer):
    push = serializers.DictField(child=serializers.BooleanField(), required=False,
                                 help_text=f"category → push on/off; categories: {', '.join(Category.values)}")
    quiet_hours = QuietHoursSerializer(required=False)
    email = EmailPreferencesSerializer(required=False, help_text="e-mail on/off per kind (issue 20)")
    time_zone = serializers.CharField(read_only=True)

    def validate_push(self, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(Category.values))
        if unknown:
            raise serializers.ValidationError(_("Unknown categories: %(categories)s") % {"categories": ", ".join(unknown)})
        return value


class PreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="My push preferences and quiet hours (in my profile's time zone)",
                   responses={200: PreferencesSerializer})
    def get(self, request: Request) -> Response:
        return Response(PreferencesSerializer(selectors.preferences_for(user=signed_in_user(request))).data)

    @extend_schema(summary="Change push and e-mail preferences and quiet hours", request=PreferencesSerializer,
                   responses={200: PreferencesSerializer})
    def patch(self, request: Request) -> Response:
        user = signed_in_user(request)
        data = PreferencesSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.preferences_update(user=user, push=data.validated_data.get("push"),
                                    quiet_hours=data.validated_data.get("quiet_hours"),
                                    email=data.validated_data.get("email"))
        return Response(PreferencesSerializer(selectors.preferences_for(user=user)).data)


class WsTicketSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    expires_at = serializers.DateTimeField()
    url = serializers.CharField(help_text="connect within a minute; the ticket works once")


class WsTicketView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="A single-use ticket (valid 60 s) for opening /ws/v1/ from a browser",
                   request=None, responses={201: WsTicketSerializer})
    def post(self, request: Request) -> Response:
        ticket, expires = services.ws_ticket_issue(user=signed_in_user(request))
        return Response({"ticket": ticket, "expires_at": expires, "url": f"/ws/v1/?ticket={ticket}"},
                        status=status.HTTP_201_CREATED)
