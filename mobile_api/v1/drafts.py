"""Story drafts written by employees and alumni, and their review by editors."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.errors import DomainError
from backend.people.models import Language
from backend.people.requests import signed_in_user
from backend.sharing import selectors, services
from backend.sharing.models import DraftDecision, DraftStatus, StoryDraft
from mobile_api.fields import IdField, WebURLField
from mobile_api.permissions import IsEditor
from mobile_api.v1.common import PersonRefSerializer
from mobile_api.v1.uploads import UPLOAD_PARSERS, MediaUrlField, form_or_json


class DraftCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=20_000)
    language = serializers.ChoiceField(choices=Language.choices)
    photo_url = WebURLField(max_length=500, required=False, allow_blank=True, default="")
    responds_to = IdField(required=False, allow_null=True,
                                           help_text="the story this draft responds to")


_PHOTO_HELP = "JPEG, PNG or WebP, at most RELAY_IMAGE_MAX_BYTES; checked by content, re-encoded without metadata"


class DraftCreateUploadSerializer(DraftCreateSerializer):
    photo = serializers.FileField(required=False, help_text=_PHOTO_HELP)


class DraftUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    text = serializers.CharField(max_length=20_000, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    photo_url = WebURLField(max_length=500, required=False, allow_blank=True)
    remove_photo = serializers.BooleanField(required=False, help_text="drop the uploaded photo")


class DraftUpdateUploadSerializer(DraftUpdateSerializer):
    photo = serializers.FileField(required=False, help_text=_PHOTO_HELP)


class DraftReviewOutSerializer(serializers.Serializer):
    reviewer = PersonRefSerializer(allow_null=True)
    decision = serializers.ChoiceField(choices=DraftDecision.choices)
    comment = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")


class DraftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = PersonRefSerializer()
    title = serializers.CharField()
    text = serializers.CharField()
    photo_url = serializers.CharField()
    photo = MediaUrlField("photo", help_text="the uploaded photo (absolute URL), null without one")
    language = serializers.ChoiceField(choices=Language.choices)
    responds_to = serializers.IntegerField(source="responds_to_id", allow_null=True)
    status = serializers.ChoiceField(choices=DraftStatus.choices)
    story = serializers.IntegerField(source="story_id", allow_null=True, help_text="the story it became")
    reviews = DraftReviewOutSerializer(many=True, source="reviews.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DraftDecision.choices)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="",
                                    help_text="required for request_changes and decline")


class DraftListCreateView(generics.ListAPIView):
    """Mine for employees and alumni; every draft for editors (`?status=submitted` for the review queue)."""

    permission_classes = [IsAuthenticated]
    serializer_class = DraftSerializer
    parser_classes = UPLOAD_PARSERS

    def get_queryset(self) -> QuerySet[StoryDraft]:
        if getattr(self, "swagger_fake_view", False):
            return StoryDraft.objects.none()
        status_filter = self.request.query_params.get("status") or None
        if status_filter is not None and status_filter not in DraftStatus.values:
            raise DomainError(_("Unknown status."), code="validation_error", fields={"status": [_("Invalid value.")]})
        return selectors.drafts_for_user(user=signed_in_user(self.request), status=status_filter)

    @extend_schema(summary="Story drafts", parameters=[OpenApiParameter("status", str, enum=DraftStatus.values)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Write a story for the editors to review; JSON, or a multipart form with a `photo`",
                   description="The draft starts as `submitted`; the editors are told, and the review "
                   "decision comes back as a notification (`draft.reviewed`).",
                   request={"application/json": DraftCreateSerializer,
                            "multipart/form-data": DraftCreateUploadSerializer},
                   responses={201: DraftSerializer})
    def post(self, request: Request) -> Response:
        body, photo = form_or_json(request, upload="photo")
        data = DraftCreateSerializer(data=body)
        data.is_valid(raise_exception=True)
        draft = services.draft_submit(author=signed_in_user(request), photo=photo, **data.validated_data)
        return Response(_draft_out(request, draft.pk), status=status.HTTP_201_CREATED)


def _draft_out(request: Request, draft_id: int) -> dict[str, Any]:
    draft = selectors.draft_get_for_user(user=signed_in_user(request), draft_id=draft_id)
    return DraftSerializer(draft, context={"request": request}).data


class DraftDetailView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = UPLOAD_PARSERS

    @extend_schema(summary="One draft (its author and editors)", responses={200: DraftSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_draft_out(request, pk))

    @extend_schema(summary="Revise my draft (while waiting or after changes were requested); it waits again. "
                           "Only its author; a multipart form may carry a new `photo`",
                   request={"application/json": DraftUpdateSerializer,
                            "multipart/form-data": DraftUpdateUploadSerializer},
                   responses={200: DraftSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        body, photo = form_or_json(request, upload="photo")
        data = DraftUpdateSerializer(data=body, partial=True)
        data.is_valid(raise_exception=True)
        services.draft_update(draft_id=pk, by=signed_in_user(request), photo=photo, **data.validated_data)
        return Response(_draft_out(request, pk))


class DraftReviewView(APIView):
    permission_classes = [IsEditor]

    @extend_schema(summary="Review a draft: approve (it becomes a story crediting the author), "
                           "request changes, or decline; the author is told",
                   request=ReviewSerializer, responses={200: DraftSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.draft_review(draft_id=pk, by=signed_in_user(request), **data.validated_data)
        return Response(_draft_out(request, pk))
