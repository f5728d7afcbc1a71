"""Sharing figures: what my shares achieved, the editors' figures (and their CSV), the opt-in
leaderboard."""
from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.errors import DomainError
from backend.insights import selectors as insights
from backend.people.models import SocialChannel
from backend.people.requests import signed_in_user
from mobile_api.permissions import IsEditor


class ChannelFiguresSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=SocialChannel.choices)
    shares = serializers.IntegerField()
    clicks = serializers.IntegerField()
    unique_visitors = serializers.IntegerField()
    estimated_reach = serializers.IntegerField()


class MyFiguresSerializer(serializers.Serializer):
    headline = serializers.CharField(help_text='e.g. "Your 12 shares brought 340 visits."')
    shares = serializers.IntegerField()
    clicks = serializers.IntegerField(help_text="visits through my links, link previews left out")
    unique_visitors = serializers.IntegerField()
    estimated_reach = serializers.IntegerField(help_text="sum of my network sizes on the channels I shared to")
    reactions = serializers.IntegerField()
    stories_shared = serializers.IntegerField()
    signals_from_stories = serializers.IntegerField()
    became_customers = serializers.IntegerField(help_text="my leads the sales team reported won")
    became_hires = serializers.IntegerField(help_text="my referrals recruitment reported hired")
    by_channel = ChannelFiguresSerializer(many=True)


class MyFiguresView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="What my shares achieved", responses={200: MyFiguresSerializer})
    def get(self, request: Request) -> Response:
        return Response(MyFiguresSerializer(insights.my_figures(user=signed_in_user(request))).data)


class SharingFiguresRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="story/campaign/team id, channel, or ISO week start")
    name = serializers.CharField()
    shares = serializers.IntegerField()
    clicks = serializers.IntegerField()
    unique_visitors = serializers.IntegerField()
    estimated_reach = serializers.IntegerField()
    reactions = serializers.IntegerField()


_BY = OpenApiParameter("by", str, enum=list(insights.GROUPINGS), description="grouping (default story)")


def _grouping(request: Request) -> str:
    by = request.query_params.get("by") or "story"
    if by not in insights.GROUPINGS:
        raise DomainError(_("Unknown grouping."), code="validation_error",
                          fields={"by": [_("One of %(choices)s.") % {"choices": ", ".join(insights.GROUPINGS)}]})
    return by


class SharingFiguresView(APIView):
    permission_classes = [IsEditor]

    @extend_schema(summary="Sharing figures per story, campaign, channel, team or week (last 12 weeks)",
                   parameters=[_BY], responses={200: SharingFiguresRowSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(SharingFiguresRowSerializer(insights.sharing_figures(by=_grouping(request)), many=True).data)


class SharingFiguresExportView(APIView):
    permission_classes = [IsEditor]

    @extend_schema(summary="The same figures as CSV", parameters=[_BY],
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)})
    def get(self, request: Request) -> HttpResponse:
        by = _grouping(request)
        response = HttpResponse(insights.sharing_figures_csv(by=by), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="sharing-{by}-{timezone.localdate()}.csv"'
        return response


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user_id = serializers.IntegerField()
    display_name = serializers.CharField()
    shares = serializers.IntegerField()
    clicks = serializers.IntegerField()


class LeaderboardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Leaderboard of the last 30 days: only people who opted in",
                   responses={200: LeaderboardRowSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(LeaderboardRowSerializer(insights.leaderboard(), many=True).data)
