"""Shares (a tracked short link and the channel's share intent) and reactions to a story."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.people.models import SocialChannel
from backend.people.requests import signed_in_user
from backend.sharing import links, services
from backend.sharing.models import ReactionKind


class ShareCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=SocialChannel.choices)
    message = serializers.CharField(max_length=3000, allow_blank=True,
                                    help_text="your own words; required (a link alone is not a message)")


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="similar_message, suggested_text_unchanged")
    message = serializers.CharField()
    similarity = serializers.FloatField(required=False)


class ShareCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    story = serializers.IntegerField(source="story_id")
    channel = serializers.ChoiceField(choices=SocialChannel.choices)
    message = serializers.CharField()
    code = serializers.CharField()
    tracked_url = serializers.SerializerMethodField()
    intent_url = serializers.SerializerMethodField(help_text="null where the channel has no share intent")
    warnings = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def _tracked(self, share: Any) -> str:
        base = settings.RELAY_PUBLIC_BASE_URL
        return f"{base}/s/{share.code}" if base else self.context["request"].build_absolute_uri(f"/s/{share.code}")

    def get_tracked_url(self, share: Any) -> str:
        return self._tracked(share)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_intent_url(self, share: Any) -> str | None:
        return links.intent_url(channel=share.channel, message=share.message, link=self._tracked(share),
                                title=share.story.title)

    @extend_schema_field(WarningSerializer(many=True))
    def get_warnings(self, share: Any) -> list[dict[str, Any]]:
        return self.context.get("warnings", [])


class ShareCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Share a story in my own words: a tracked short link and the channel's share intent",
                   request=ShareCreateSerializer, responses={201: ShareCreatedSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = ShareCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.share_create(story_id=pk, by=signed_in_user(request), **data.validated_data)
        body = ShareCreatedSerializer(result.share, context={"request": request, "warnings": result.warnings}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ReactionCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                    help_text="for kind=comment: what I posted under the company's post")


class ReactionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    story = serializers.IntegerField(source="story_id")
    kind = serializers.ChoiceField(choices=ReactionKind.choices)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class ReactionCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="React: like (once; a repeat answers 200 with the first) or a comment I posted",
                   request=ReactionCreateSerializer, responses={201: ReactionSerializer, 200: ReactionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = ReactionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reaction, created = services.reaction_add(story_id=pk, by=signed_in_user(request), **data.validated_data)
        return Response(ReactionSerializer(reaction).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
