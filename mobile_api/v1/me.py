"""`/api/v1/me/`: one's own profile."""
from __future__ import annotations

from zoneinfo import available_timezones

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.listening import selectors as signal_selectors
from backend.people import selectors, services
from backend.people.models import Language, Profile, Role, SocialChannel
from backend.people.requests import signed_in_user
from mobile_api.fields import NETWORK_SIZE_MAX, CountField
from mobile_api.v1.common import TeamRefSerializer

_TIME_ZONES = frozenset(available_timezones())


class ChannelSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=SocialChannel.choices)
    network_size = CountField(max_value=NETWORK_SIZE_MAX, default=0)


class SignalTotalsSerializer(serializers.Serializer):
    submitted = serializers.IntegerField()
    open = serializers.IntegerField()
    closed = serializers.IntegerField()
    leads_won = serializers.IntegerField()


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.id")
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(choices=Role.choices, source="user.role")
    display_name = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices)
    other_languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices))
    location = serializers.CharField()
    time_zone = serializers.CharField()
    interests = serializers.SerializerMethodField()
    channels = ChannelSerializer(many=True, source="channels.all")
    leaderboard_opt_in = serializers.BooleanField()
    is_alumni = serializers.BooleanField()
    teams = serializers.SerializerMethodField()
    signals = serializers.SerializerMethodField(help_text="What my signals have become, in totals.")

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_interests(self, profile: Profile) -> list[str]:
        return [i.slug for i in profile.interests.all()]

    @extend_schema_field(SignalTotalsSerializer)
    def get_signals(self, profile: Profile) -> dict:
        return SignalTotalsSerializer(signal_selectors.signal_totals_for_submitter(user=profile.user)).data

    @extend_schema_field(TeamRefSerializer(many=True))
    def get_teams(self, profile: Profile) -> list[dict]:
        return serializers.ListSerializer(selectors.teams_for_user(user=profile.user), child=TeamRefSerializer()).data


class MeUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=120, min_length=1, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    other_languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), max_length=3, required=False
    )
    location = serializers.CharField(max_length=80, allow_blank=True, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    interests = serializers.ListField(child=serializers.SlugField(), max_length=50, required=False)
    channels = ChannelSerializer(many=True, required=False)
    leaderboard_opt_in = serializers.BooleanField(required=False)

    def validate_time_zone(self, value: str) -> str:
        if value not in _TIME_ZONES:
            raise serializers.ValidationError(_("Not a known IANA time zone, e.g. Europe/Copenhagen."))
        return value

    def validate_channels(self, value: list[dict]) -> list[dict]:
        # A PATCH makes nested fields optional too; the channel name is still required per item.
        if any("channel" not in c for c in value):
            raise serializers.ValidationError(_("Each item needs a `channel`."))
        names = [c["channel"] for c in value]
        if len(names) != len(set(names)):
            raise serializers.ValidationError(_("Each channel may appear once."))
        return value


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOutputSerializer, summary="My profile")
    def get(self, request: Request) -> Response:
        return Response(MeOutputSerializer(selectors.profile_get_for_user(user=signed_in_user(request))).data)

    @extend_schema(request=MeUpdateSerializer, responses=MeOutputSerializer, summary="Update my profile")
    def patch(self, request: Request) -> Response:
        user = signed_in_user(request)
        data = MeUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.profile_update(user=user, **data.validated_data)
        return Response(MeOutputSerializer(selectors.profile_get_for_user(user=user)).data)
