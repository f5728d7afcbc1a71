"""Campaigns (editors): a goal, a few KPI targets, and the progress against them."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.insights import selectors as insights
from backend.people.requests import signed_in_user
from backend.sharing import selectors, services
from backend.sharing.models import KPI_NAMES, Campaign, CampaignGoal
from mobile_api.fields import CountField
from mobile_api.permissions import IsEditor
from mobile_api.v1.common import PersonRefSerializer


class KpiTargetsSerializer(serializers.Serializer):
    shares = CountField(min_value=1, required=False)
    clicks = CountField(min_value=1, required=False)
    unique_visitors = CountField(min_value=1, required=False)
    reach = CountField(min_value=1, required=False)
    reactions = CountField(min_value=1, required=False)
    signals = CountField(min_value=1, required=False)
    leads = CountField(min_value=1, required=False)
    won_leads = CountField(min_value=1, required=False)


assert set(KpiTargetsSerializer().fields) == set(KPI_NAMES)


class CampaignWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    goal = serializers.ChoiceField(choices=CampaignGoal.choices)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    kpi_targets = KpiTargetsSerializer(required=False)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)


class KpiProgressSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    target = serializers.IntegerField()
    actual = serializers.IntegerField()
    progress = serializers.FloatField(allow_null=True, help_text="actual ÷ target")


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    goal = serializers.ChoiceField(choices=CampaignGoal.choices)
    description = serializers.CharField()
    kpi_targets = KpiTargetsSerializer()
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    owner = PersonRefSerializer()
    archived_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class CampaignDetailSerializer(CampaignSerializer):
    progress = serializers.SerializerMethodField()

    @extend_schema_field(KpiProgressSerializer(many=True))
    def get_progress(self, campaign: Campaign) -> list[dict[str, Any]]:
        # list(): drf-stubs type a many=True serializer's data as a dict; at run time it is a list.
        return list(KpiProgressSerializer(insights.campaign_progress(campaign=campaign), many=True).data)


class CampaignListCreateView(generics.ListAPIView):
    permission_classes = [IsEditor]
    serializer_class = CampaignSerializer

    def get_queryset(self) -> QuerySet[Campaign]:
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        return selectors.campaigns_list(include_archived=self.request.query_params.get("archived") in ("1", "true"))

    @extend_schema(summary="Campaigns (editors)", parameters=[OpenApiParameter("archived", bool)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create a campaign with a goal and a few KPI targets", request=CampaignWriteSerializer,
                   responses={201: CampaignDetailSerializer})
    def post(self, request: Request) -> Response:
        data = CampaignWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(by=signed_in_user(request), **data.validated_data)
        return Response(CampaignDetailSerializer(selectors.campaign_get(campaign_id=campaign.pk)).data,
                        status=status.HTTP_201_CREATED)


class CampaignDetailView(APIView):
    permission_classes = [IsEditor]

    @extend_schema(summary="One campaign with its progress against the KPI targets",
                   responses={200: CampaignDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CampaignDetailSerializer(selectors.campaign_get(campaign_id=pk)).data)

    @extend_schema(summary="Update a campaign", request=CampaignWriteSerializer,
                   responses={200: CampaignDetailSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        data = CampaignWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.campaign_update(campaign_id=pk, **data.validated_data)
        return Response(CampaignDetailSerializer(selectors.campaign_get(campaign_id=pk)).data)


class CampaignArchiveView(APIView):
    permission_classes = [IsEditor]

    @extend_schema(summary="Archive a campaign", request=None, responses={200: CampaignDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return Response(CampaignDetailSerializer(services.campaign_archive(campaign_id=pk)).data)
