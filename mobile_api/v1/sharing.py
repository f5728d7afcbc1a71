"""Sharing: the feed, shares with tracked links, reactions, drafts and review (employees, alumni),
stories and campaigns (editors), figures, and the tracked-link redirect `GET /s/{code}`."""
from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import markcoroutinefunction, sync_to_async

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.security import SecurityMiddleware
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.static import serve
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.errors import DomainError
from backend.core.middleware import RequestIdMiddleware
from backend.insights import selectors as insights
from backend.people.models import Language, Role, SocialChannel
from backend.sharing import links, selectors, services
from backend.sharing.models import (
    KPI_NAMES,
    Campaign,
    CampaignGoal,
    DraftDecision,
    DraftStatus,
    ReactionKind,
    Story,
    StoryDraft,
    StoryState,
    StoryType,
)
from mobile_api.errors import json_404
from mobile_api.permissions import IsEditor
from mobile_api.v1.common import PersonRefSerializer


class IsEditorOrReadOnly(BasePermission):
    """Reading is for everyone signed in (the selector decides what they may see); writing for editors."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return request.method in SAFE_METHODS or user.role in (Role.EDITOR, Role.ADMIN)


# --- shared pieces --------------------------------------------------------------------------------
class SuggestedTextSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=SocialChannel.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    text = serializers.CharField(max_length=3000)


class CampaignRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AudienceSerializer(serializers.Serializer):
    """Empty lists mean "everyone" in that dimension; several dimensions must all match."""

    team = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=100, required=False)
    role = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), max_length=10, required=False)
    interest = serializers.ListField(child=serializers.SlugField(), max_length=50, required=False)
    language = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices), max_length=3,
                                     required=False)
    location = serializers.ListField(child=serializers.CharField(max_length=80), max_length=50, required=False)


def _version(story: Story, language: str) -> dict[str, Any]:
    """The reader's language version when there is one, else the main version."""
    version = story.versions.get(language) if language != story.language and isinstance(story.versions, dict) else None
    return version if isinstance(version, dict) else {}


def media_url(file: FieldFile | None, request: HttpRequest | None) -> str | None:
    """The absolute URL of an uploaded file (null without one): the app loads it as it is."""
    if not file:
        return None
    url = file.url
    return url if "://" in url or request is None else request.build_absolute_uri(url)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class MediaUrlField(serializers.SerializerMethodField):
    """An uploaded image as an absolute URL, or null."""

    def __init__(self, source_field: str, **kwargs: Any) -> None:
        self.source_field = source_field
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        return media_url(getattr(value, self.source_field), self.context.get("request"))


# Multipart forms carry flat values: lists and objects come as JSON text in these fields.
_FORM_JSON_FIELDS = ("audience", "versions", "talking_points", "suggested_texts", "suggested_comments", "hashtags")
UPLOAD_PARSERS = [JSONParser, MultiPartParser]


def form_or_json(request: Request, *, upload: str) -> tuple[Any, UploadedFile | None]:
    """The request's fields and its uploaded file `upload`: a JSON body as it is (no file), or a
    multipart form whose list and object fields are JSON text. The body's declared length is
    checked before it is read, so an oversize upload is refused without being spooled to disk."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.RELAY_IMAGE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        limit = settings.RELAY_IMAGE_MAX_BYTES // (1024 * 1024)
        raise DomainError(f"The upload is larger than {limit} MiB.", code="image_too_large", status_code=413,
                          fields={upload: [f"At most {limit} MiB."]})
    if not hasattr(request.data, "getlist"):  # JSON
        return request.data, None
    files = request.FILES.getlist(upload)
    unexpected = sorted(set(request.FILES) - {upload})
    if len(files) > 1 or unexpected:
        raise DomainError("One file, in its own field.", code="validation_error",
                          fields={name: ["Unexpected file."] for name in unexpected or [upload]})
    data: dict[str, Any] = {k: v for k, v in request.data.items() if k not in request.FILES}
    errors: dict[str, list[str]] = {}
    for name in _FORM_JSON_FIELDS:
        if isinstance(data.get(name), str):
            try:
                data[name] = json.loads(data[name])
            except ValueError:
                errors[name] = ["In a multipart form, send this field as JSON text."]
    if errors:
        raise DomainError("Invalid form.", code="validation_error", fields=errors)
    return data, (files[0] if files else None)


# --- feed -----------------------------------------------------------------------------------------
class FeedItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    language = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    url = serializers.URLField()
    image_url = serializers.CharField()
    image = MediaUrlField("image", help_text="the uploaded image (absolute URL), null without one")
    talking_points = serializers.SerializerMethodField()
    suggested_texts = serializers.SerializerMethodField()
    suggested_comments = serializers.ListField(child=serializers.CharField())
    hashtags = serializers.ListField(child=serializers.CharField())
    campaign = CampaignRefSerializer(allow_null=True)
    published_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    relevance = serializers.IntegerField()
    my_share_count = serializers.IntegerField()
    my_liked = serializers.BooleanField()

    def _lang(self) -> str:
        return self.context["reader"].preferred_language

    def get_language(self, story: Story) -> str:
        return self._lang() if _version(story, self._lang()) else story.language

    def get_title(self, story: Story) -> str:
        return _version(story, self._lang()).get("title") or story.title

    def get_summary(self, story: Story) -> str:
        return _version(story, self._lang()).get("summary") or story.summary

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_talking_points(self, story: Story) -> list[str]:
        return _version(story, self._lang()).get("talking_points") or story.talking_points

    @extend_schema_field(SuggestedTextSerializer(many=True))
    def get_suggested_texts(self, story: Story) -> list[dict[str, Any]]:
        """Only the languages I read, when there are any in those; otherwise all of them."""
        languages = set(self.context["reader"].languages)
        mine = [t for t in story.suggested_texts if isinstance(t, dict) and t.get("language") in languages]
        return mine or list(story.suggested_texts)


class FeedPagination(CursorPagination):
    ordering = ("-relevance", "-published_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class FeedView(generics.ListAPIView):
    """My feed: published, unexpired stories for me, most relevant first, with what I did with each.
    Sharing is voluntary; there are no quotas."""

    permission_classes = [IsAuthenticated]
    serializer_class = FeedItemSerializer
    pagination_class = FeedPagination

    def get_queryset(self) -> QuerySet[Story]:
        if getattr(self, "swagger_fake_view", False):
            return Story.objects.none()
        self.reader = selectors.reader_for(user=self.request.user)
        return selectors.feed_for_user(user=self.request.user, reader=self.reader)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "reader": getattr(self, "reader", None)}


# --- stories (editors) ----------------------------------------------------------------------------
class StoryVersionSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    body = serializers.CharField(max_length=50_000, required=False, allow_blank=True)
    talking_points = serializers.ListField(child=serializers.CharField(max_length=500), max_length=20, required=False)


class StoryWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    body = serializers.CharField(max_length=50_000, required=False, allow_blank=True)
    url = serializers.URLField(max_length=500)
    image_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=StoryType.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices)
    versions = serializers.DictField(child=StoryVersionSerializer(), required=False,
                                     help_text='other language versions, by language: {"da": {...}}')
    talking_points = serializers.ListField(child=serializers.CharField(max_length=500), max_length=20, required=False)
    suggested_texts = SuggestedTextSerializer(many=True, required=False)
    suggested_comments = serializers.ListField(child=serializers.CharField(max_length=1000), max_length=20,
                                               required=False)
    hashtags = serializers.ListField(child=serializers.CharField(max_length=60), max_length=30, required=False)
    for_alumni = serializers.BooleanField(required=False)
    campaign = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    audience = AudienceSerializer(required=False)
    remove_image = serializers.BooleanField(required=False, help_text="drop the uploaded image")

    def validate_suggested_texts(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # A PATCH makes nested fields optional too; every suggested text still needs all three.
        if any(set(t) != {"channel", "language", "text"} for t in value):
            raise serializers.ValidationError("Each item needs `channel`, `language` and `text`.")
        return value

    def validate_versions(self, value: dict[str, Any]) -> dict[str, Any]:
        unknown = set(value) - set(Language.values)
        if unknown:
            raise serializers.ValidationError(f"Unknown languages: {', '.join(sorted(unknown))}.")
        if any("title" not in v for v in value.values()):  # a PATCH makes nested fields optional too
            raise serializers.ValidationError("Each version needs a `title`.")
        return {lang: dict(v) for lang, v in value.items()}


class StoryUploadSerializer(StoryWriteSerializer):
    """The same fields as a multipart form, with the image file; lists and objects as JSON text."""

    image = serializers.FileField(required=False, help_text="JPEG, PNG or WebP, at most RELAY_IMAGE_MAX_BYTES; "
                                                            "checked by content, re-encoded without metadata")
    versions = serializers.CharField(required=False, help_text="JSON text")
    talking_points = serializers.CharField(required=False, help_text="JSON text: a list of strings")
    suggested_texts = serializers.CharField(required=False, help_text="JSON text")
    suggested_comments = serializers.CharField(required=False, help_text="JSON text: a list of strings")
    hashtags = serializers.CharField(required=False, help_text="JSON text: a list of strings")
    audience = serializers.CharField(required=False, help_text="JSON text")


_STORY_WRITE_BODY = {"application/json": StoryWriteSerializer, "multipart/form-data": StoryUploadSerializer}


class StorySerializer(serializers.Serializer):
    """The editor's view of a story, with its state and audience."""

    id = serializers.IntegerField()
    state = serializers.CharField()
    type = serializers.CharField()
    language = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    body = serializers.CharField()
    url = serializers.URLField()
    image_url = serializers.CharField()
    image = MediaUrlField("image", help_text="the uploaded image (absolute URL), null without one")
    versions = serializers.DictField(child=StoryVersionSerializer())
    talking_points = serializers.ListField(child=serializers.CharField())
    suggested_texts = SuggestedTextSerializer(many=True)
    suggested_comments = serializers.ListField(child=serializers.CharField())
    hashtags = serializers.ListField(child=serializers.CharField())
    for_alumni = serializers.BooleanField()
    campaign = CampaignRefSerializer(allow_null=True)
    author = PersonRefSerializer(allow_null=True)
    audience = serializers.SerializerMethodField()
    publish_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(AudienceSerializer)
    def get_audience(self, story: Story) -> dict[str, list[str]]:
        return selectors.story_audience(story=story)


class ScheduleSerializer(serializers.Serializer):
    publish_at = serializers.DateTimeField(required=False, allow_null=True, help_text="omitted or past: now")
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class StoryFilterMixin:
    request: Request

    def _filters(self) -> dict[str, Any]:
        state = self.request.query_params.get("state") or None
        if state is not None and state not in StoryState.values:
            raise DomainError("Unknown state.", code="validation_error", fields={"state": ["Invalid value."]})
        campaign = self.request.query_params.get("campaign") or None
        if campaign is not None and not campaign.isdigit():
            raise DomainError("campaign is a number.", code="validation_error", fields={"campaign": ["Invalid value."]})
        return {"state": state, "campaign_id": int(campaign) if campaign else None}


def _story_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    fields.pop("audience", None)
    fields.pop("remove_image", None)
    if "campaign" in fields:
        fields["campaign_id"] = fields.pop("campaign")
    if "suggested_texts" in fields:
        fields["suggested_texts"] = [dict(t) for t in fields["suggested_texts"]]
    return fields


class StoryListCreateView(StoryFilterMixin, generics.ListAPIView):
    permission_classes = [IsEditor]
    serializer_class = StorySerializer
    parser_classes = UPLOAD_PARSERS

    def get_queryset(self) -> QuerySet[Story]:
        if getattr(self, "swagger_fake_view", False):
            return Story.objects.none()
        return selectors.stories_for_editor(**self._filters())

    @extend_schema(summary="All stories (editors)", parameters=[
        OpenApiParameter("state", str, enum=StoryState.values), OpenApiParameter("campaign", int)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create a story (draft state; schedule it to publish); JSON, or a multipart form "
                           "with the `image` file", request=_STORY_WRITE_BODY, responses={201: StorySerializer})
    def post(self, request: Request) -> Response:
        body, image = form_or_json(request, upload="image")
        data = StoryWriteSerializer(data=body)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        story = services.story_create(by=request.user, audience=v.get("audience"), image=image, **_story_fields(v))
        return Response(StorySerializer(selectors.story_for_editor(story_id=story.pk), context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class StoryDetailView(APIView):
    permission_classes = [IsEditorOrReadOnly]
    parser_classes = UPLOAD_PARSERS

    @extend_schema(summary="One story: the editor's view for editors, the feed item for everyone else",
                   responses={200: PolymorphicProxySerializer(
                       component_name="StoryView", serializers=[StorySerializer, FeedItemSerializer],
                       resource_type_field_name=None,
                   )})
    def get(self, request: Request, pk: int) -> Response:
        story = selectors.story_get_for_user(user=request.user, story_id=pk)
        return Response(StorySerializer(selectors.story_for_editor(story_id=story.pk), context={"request": request}).data
                        if selectors.is_editor(request.user) else _feed_item(request, story.pk))

    @extend_schema(summary="Update a story (editors); `audience` replaces the whole audience; a multipart "
                           "form may carry a new `image`", request=_STORY_WRITE_BODY, responses={200: StorySerializer})
    def patch(self, request: Request, pk: int) -> Response:
        body, image = form_or_json(request, upload="image")
        data = StoryWriteSerializer(data=body, partial=True)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.story_update(story_id=pk, audience=v.get("audience"), image=image,
                              remove_image=v.get("remove_image", False), **_story_fields(v))
        return Response(StorySerializer(selectors.story_for_editor(story_id=pk), context={"request": request}).data)


def _feed_item(request: Request, story_id: int) -> dict[str, Any]:
    reader = selectors.reader_for(user=request.user)
    story = selectors.feed_for_user(user=request.user, reader=reader, window=None).filter(pk=story_id).first()
    if story is None:  # pragma: no cover - the caller has just checked visibility
        raise DomainError("Story not found.", code="not_found", status_code=404)
    return FeedItemSerializer(story, context={"reader": reader, "request": request}).data


class StoryScheduleView(APIView):
    permission_classes = [IsEditor]

    @extend_schema(summary="Schedule a story (publishes now when publish_at is omitted or past; "
                           "the audience is notified on publication)",
                   request=ScheduleSerializer, responses={200: StorySerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = ScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.story_schedule(story_id=pk, publish_at=data.validated_data.get("publish_at"),
                                expires_at=data.validated_data.get("expires_at"))
        return Response(StorySerializer(selectors.story_for_editor(story_id=pk), context={"request": request}).data)


class StoryArchiveView(APIView):
    permission_classes = [IsEditor]

    @extend_schema(summary="Archive a story (out of every feed; links and figures stay)", request=None,
                   responses={200: StorySerializer})
    def post(self, request: Request, pk: int) -> Response:
        services.story_archive(story_id=pk)
        return Response(StorySerializer(selectors.story_for_editor(story_id=pk), context={"request": request}).data)


# --- shares and reactions ---------------------------------------------------------------------------
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
    channel = serializers.CharField()
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
        result = services.share_create(story_id=pk, by=request.user, **data.validated_data)
        body = ShareCreatedSerializer(result.share, context={"request": request, "warnings": result.warnings}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ReactionCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                    help_text="for kind=comment: what I posted under the company's post")


class ReactionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    story = serializers.IntegerField(source="story_id")
    kind = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class ReactionCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="React: like (once; a repeat answers 200 with the first) or a comment I posted",
                   request=ReactionCreateSerializer, responses={201: ReactionSerializer, 200: ReactionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = ReactionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reaction, created = services.reaction_add(story_id=pk, by=request.user, **data.validated_data)
        return Response(ReactionSerializer(reaction).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- guidelines -----------------------------------------------------------------------------------
class GuidelinesSerializer(serializers.Serializer):
    version = serializers.CharField(allow_null=True)
    text = serializers.CharField()
    accepted_at = serializers.DateTimeField(allow_null=True)


class GuidelinesAcceptSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=20)


class GuidelinesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="The social-media guidelines in force and whether I accepted them "
                           "(version null: there are none, sharing needs no acceptance)",
                   responses={200: GuidelinesSerializer})
    def get(self, request: Request) -> Response:
        current = selectors.guidelines_current()
        if current is None:
            return Response({"version": None, "text": "", "accepted_at": None})
        accepted = selectors.guidelines_accepted_at(user=request.user, guidelines=current)
        return Response(GuidelinesSerializer({"version": current.version, "text": current.text,
                                              "accepted_at": accepted}).data)


class GuidelinesAcceptView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Accept the guidelines in force (asked before the first share)",
                   request=GuidelinesAcceptSerializer, responses={200: GuidelinesSerializer})
    def post(self, request: Request) -> Response:
        data = GuidelinesAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        acceptance = services.guidelines_accept(user=request.user, version=data.validated_data["version"])
        return Response(GuidelinesSerializer({"version": acceptance.guidelines.version,
                                              "text": acceptance.guidelines.text,
                                              "accepted_at": acceptance.accepted_at}).data)


# --- drafts ---------------------------------------------------------------------------------------
class DraftCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=20_000)
    language = serializers.ChoiceField(choices=Language.choices)
    photo_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    responds_to = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                           help_text="the story this draft responds to")


_PHOTO_HELP = "JPEG, PNG or WebP, at most RELAY_IMAGE_MAX_BYTES; checked by content, re-encoded without metadata"


class DraftCreateUploadSerializer(DraftCreateSerializer):
    photo = serializers.FileField(required=False, help_text=_PHOTO_HELP)


class DraftUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    text = serializers.CharField(max_length=20_000, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    photo_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    remove_photo = serializers.BooleanField(required=False, help_text="drop the uploaded photo")


class DraftUpdateUploadSerializer(DraftUpdateSerializer):
    photo = serializers.FileField(required=False, help_text=_PHOTO_HELP)


class DraftReviewOutSerializer(serializers.Serializer):
    reviewer = PersonRefSerializer(allow_null=True)
    decision = serializers.CharField()
    comment = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")


class DraftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = PersonRefSerializer()
    title = serializers.CharField()
    text = serializers.CharField()
    photo_url = serializers.CharField()
    photo = MediaUrlField("photo", help_text="the uploaded photo (absolute URL), null without one")
    language = serializers.CharField()
    responds_to = serializers.IntegerField(source="responds_to_id", allow_null=True)
    status = serializers.CharField()
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
            raise DomainError("Unknown status.", code="validation_error", fields={"status": ["Invalid value."]})
        return selectors.drafts_for_user(user=self.request.user, status=status_filter)

    @extend_schema(summary="Story drafts", parameters=[OpenApiParameter("status", str, enum=DraftStatus.values)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Write a story for the editors to review; JSON, or a multipart form with a `photo`",
                   request={"application/json": DraftCreateSerializer,
                            "multipart/form-data": DraftCreateUploadSerializer},
                   responses={201: DraftSerializer})
    def post(self, request: Request) -> Response:
        body, photo = form_or_json(request, upload="photo")
        data = DraftCreateSerializer(data=body)
        data.is_valid(raise_exception=True)
        draft = services.draft_submit(author=request.user, photo=photo, **data.validated_data)
        return Response(_draft_out(request, draft.pk), status=status.HTTP_201_CREATED)


def _draft_out(request: Request, draft_id: int) -> dict[str, Any]:
    draft = selectors.draft_get_for_user(user=request.user, draft_id=draft_id)
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
        services.draft_update(draft_id=pk, by=request.user, photo=photo, **data.validated_data)
        return Response(_draft_out(request, pk))


class DraftReviewView(APIView):
    permission_classes = [IsEditor]

    @extend_schema(summary="Review a draft: approve (it becomes a story crediting the author), "
                           "request changes, or decline; the author is told",
                   request=ReviewSerializer, responses={200: DraftSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.draft_review(draft_id=pk, by=request.user, **data.validated_data)
        return Response(_draft_out(request, pk))


# --- campaigns ------------------------------------------------------------------------------------
class KpiTargetsSerializer(serializers.Serializer):
    shares = serializers.IntegerField(min_value=1, required=False)
    clicks = serializers.IntegerField(min_value=1, required=False)
    unique_visitors = serializers.IntegerField(min_value=1, required=False)
    reach = serializers.IntegerField(min_value=1, required=False)
    reactions = serializers.IntegerField(min_value=1, required=False)
    signals = serializers.IntegerField(min_value=1, required=False)


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
    goal = serializers.CharField()
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
        return KpiProgressSerializer(insights.campaign_progress(campaign=campaign), many=True).data


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
        campaign = services.campaign_create(by=request.user, **data.validated_data)
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


# --- figures --------------------------------------------------------------------------------------
class ChannelFiguresSerializer(serializers.Serializer):
    channel = serializers.CharField()
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
    by_channel = ChannelFiguresSerializer(many=True)


class MyFiguresView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="What my shares achieved", responses={200: MyFiguresSerializer})
    def get(self, request: Request) -> Response:
        return Response(MyFiguresSerializer(insights.my_figures(user=request.user)).data)


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
        raise DomainError("Unknown grouping.", code="validation_error",
                          fields={"by": [f"One of {', '.join(insights.GROUPINGS)}."]})
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


# --- uploaded images -------------------------------------------------------------------------------
@require_safe
def media_serve(request: HttpRequest, path: str) -> HttpResponse:
    """Uploaded images from MEDIA_ROOT (the embedded default; a web server or CDN in front does it
    better). Names are random and never reused, so they may be cached for good; `serve` refuses
    paths outside MEDIA_ROOT, and a missing file is the JSON 404."""
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except SuspiciousFileOperation:  # a path that leaves MEDIA_ROOT: there is nothing there to show
        raise Http404("Not found.") from None
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- the tracked link -------------------------------------------------------------------------------
def _client_address(request: HttpRequest) -> str:
    header = settings.RELAY_CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _click_on_the_writer_connection(**kwargs: Any) -> services.ClickTarget | None:
    """Runs on the one SQLite writer thread of this process, whose connection stays open: opening a
    SQLite connection (file, PRAGMAs, schema) cost 1.5 ms and made the next statement cold, 3 ms in
    all against 0.2 ms on an open one. A database error drops the connection; the next click opens
    a fresh one."""
    try:
        return services.click_record_for_code(**kwargs)
    except DatabaseError:
        connection.close()
        raise


@require_safe
async def share_redirect(request: HttpRequest, code: str) -> HttpResponse:
    """`GET /s/{code}`: one statement (the indexed lookup and the click's INSERT), then a 302 to the
    story with UTM parameters. An async view: in the tracked-link handler below it runs on the event
    loop, and only the database statement takes a thread — the request's own (PostgreSQL: a pooled
    connection, statements run side by side) or, on SQLite, the process's writer thread (SQLite has
    one writer anyway). Through the main stack (tests, WSGI) it runs on the request's thread."""
    request.get_host()  # ALLOWED_HOSTS as everywhere else (a 400 for a forged Host); no middleware does it here
    click = dict(code=code, referrer=request.META.get("HTTP_REFERER", ""),
                 address=_client_address(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))
    writer = getattr(request, "sqlite_writer", None)
    if writer is not None and connection.vendor == "sqlite":
        target = await sync_to_async(_click_on_the_writer_connection, thread_sensitive=False, executor=writer)(**click)
    else:
        target = await sync_to_async(services.click_record_for_code, thread_sensitive=True)(**click)
    if target is None:
        return json_404(request)
    response = HttpResponseRedirect(links.utm_url(
        target.url, channel=target.channel, campaign=target.campaign_slug or "employee-advocacy",
        content=f"share-{target.share_id}"))
    response["Cache-Control"] = "private, no-store"  # every visit must reach us to be counted
    response["Referrer-Policy"] = "no-referrer"
    return response


TRACKED_LINK_PATH = re.compile(r"^/s/[A-Za-z0-9]{6,16}$")


class TrackedLinkHandler(ASGIHandler):
    """Django's ASGI handler for `/s/{code}` alone: the same URL conf, request, view and error
    handling, but not the site's middleware stack.

    The main stack runs in a worker thread (see `SyncStackMiddleware`): a thread hand-off and a
    dozen middleware hooks per request. The redirect needs none of sessions, authentication, CSRF, messages, static files or DRF; what it does need — the request
    id and transport security (HTTPS redirect, HSTS, nosniff, referrer policy) — runs here on the
    event loop: SecurityMiddleware's two hooks are pure functions of the request and the settings,
    so they are called directly instead of through a thread.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        security = SecurityMiddleware(lambda request: HttpResponse())  # only its hooks are used
        view = convert_exception_to_response(self._get_response_async)
        sqlite_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracked-link-sqlite")

        async def transport_security(request: HttpRequest) -> HttpResponse:
            request.sqlite_writer = sqlite_writer  # type: ignore[attr-defined]
            response = security.process_request(request) or await view(request)
            response = security.process_response(request, response)
            response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
            return response

        markcoroutinefunction(transport_security)
        self._middleware_chain = convert_exception_to_response(RequestIdMiddleware(transport_security))


def tracked_links_first(app: Any) -> Any:
    """The HTTP application: tracked links to their own handler, everything else to `app`."""
    tracked = TrackedLinkHandler()

    async def route(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if TRACKED_LINK_PATH.match(scope.get("path", "")):
            await tracked(scope, receive, send)
        else:
            await app(scope, receive, send)

    return route
