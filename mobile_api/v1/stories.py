"""Stories and the feed: my feed (everyone signed in), stories for editors (create, update,
schedule, archive), one story as its reader may see it."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.errors import DomainError
from backend.people.models import Language, Role, SocialChannel
from backend.people.requests import signed_in_user
from backend.sharing import selectors, services
from backend.sharing.models import Story, StoryState, StoryType
from mobile_api.fields import IdField, WebURLField, id_param
from mobile_api.pagination import StrictCursorPagination
from mobile_api.permissions import IsEditor
from mobile_api.v1.common import PersonRefSerializer
from mobile_api.v1.uploads import UPLOAD_PARSERS, MediaUrlField, form_or_json


class IsEditorOrReadOnly(BasePermission):
    """Reading is for everyone signed in (the selector decides what they may see); writing for editors."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return request.method in SAFE_METHODS or user.role in (Role.EDITOR, Role.ADMIN)


# --- pieces of both the feed item and the editor's view ----------------------------------------------
class SuggestedTextSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=SocialChannel.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    text = serializers.CharField(max_length=3000)


class CampaignRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AudienceSerializer(serializers.Serializer):
    """Empty lists mean "everyone" in that dimension; several dimensions must all match."""

    team = serializers.ListField(child=IdField(), max_length=100, required=False)
    role = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), max_length=10, required=False)
    interest = serializers.ListField(child=serializers.SlugField(), max_length=50, required=False)
    language = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices), max_length=3,
                                     required=False)
    location = serializers.ListField(child=serializers.CharField(max_length=80), max_length=50, required=False)


# --- feed -----------------------------------------------------------------------------------------
class FeedItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=StoryType.choices)
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

    @extend_schema_field(serializers.ChoiceField(choices=Language.choices))
    def get_language(self, story: Story) -> str:
        return self._lang() if story.version_in(self._lang()) else story.language

    def get_title(self, story: Story) -> str:
        return story.version_in(self._lang()).get("title") or story.title

    def get_summary(self, story: Story) -> str:
        return story.version_in(self._lang()).get("summary") or story.summary

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_talking_points(self, story: Story) -> list[str]:
        return story.version_in(self._lang()).get("talking_points") or story.talking_points

    @extend_schema_field(SuggestedTextSerializer(many=True))
    def get_suggested_texts(self, story: Story) -> list[dict[str, Any]]:
        """Only the languages I read, when there are any in those; otherwise all of them."""
        languages = set(self.context["reader"].languages)
        mine = [t for t in story.suggested_texts if isinstance(t, dict) and t.get("language") in languages]
        return mine or list(story.suggested_texts)


class FeedPagination(StrictCursorPagination):
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
        user = signed_in_user(self.request)
        self.reader = selectors.reader_for(user=user)
        return selectors.feed_for_user(user=user, reader=self.reader)

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
    url = WebURLField(max_length=500)
    image_url = WebURLField(max_length=500, required=False, allow_blank=True)
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
    campaign = IdField(required=False, allow_null=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    audience = AudienceSerializer(required=False)
    remove_image = serializers.BooleanField(required=False, help_text="drop the uploaded image")

    def validate_suggested_texts(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # A PATCH makes nested fields optional too; every suggested text still needs all three.
        if any(set(t) != {"channel", "language", "text"} for t in value):
            raise serializers.ValidationError(_("Each item needs `channel`, `language` and `text`."))
        return value

    def validate_versions(self, value: dict[str, Any]) -> dict[str, Any]:
        unknown = set(value) - set(Language.values)
        if unknown:
            raise serializers.ValidationError(_("Unknown languages: %(languages)s.") % {"languages": ", ".join(sorted(unknown))})
        if any("title" not in v for v in value.values()):  # a PATCH makes nested fields optional too
            raise serializers.ValidationError(_("Each version needs a `title`."))
        return {lang: dict(v) for lang, v in value.items()}


class StoryUploadSerializer(StoryWriteSerializer):
    """The same fields as a multipart form, with the image file; lists and objects as JSON text."""

    image = serializers.FileField(required=False, help_text="JPEG, PNG or WebP, at most RELAY_IMAGE_MAX_BYTES; "
                                                            "checked by content, re-encoded without metadata")
    versions = serializers.CharField(required=False, help_text="JSON text")  # type: ignore[assignment]  # multipart: JSON text
    talking_points = serializers.CharField(required=False, help_text="JSON text: a list of strings")  # type: ignore[assignment]  # multipart: JSON text
    suggested_texts = serializers.CharField(required=False, help_text="JSON text")  # type: ignore[assignment]  # multipart: JSON text
    suggested_comments = serializers.CharField(required=False, help_text="JSON text: a list of strings")  # type: ignore[assignment]  # multipart: JSON text
    hashtags = serializers.CharField(required=False, help_text="JSON text: a list of strings")  # type: ignore[assignment]  # multipart: JSON text
    audience = serializers.CharField(required=False, help_text="JSON text")  # type: ignore[assignment]  # multipart: JSON text


_STORY_WRITE_BODY = {"application/json": StoryWriteSerializer, "multipart/form-data": StoryUploadSerializer}


class StorySerializer(serializers.Serializer):
    """The editor's view of a story, with its state and audience."""

    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=StoryState.choices)
    type = serializers.ChoiceField(choices=StoryType.choices)
    language = serializers.ChoiceField(choices=Language.choices)
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


def _story_filters(request: Request) -> dict[str, Any]:
    state = request.query_params.get("state") or None
    if state is not None and state not in StoryState.values:
        raise DomainError(_("Unknown state."), code="validation_error", fields={"state": [_("Invalid value.")]})
    campaign = request.query_params.get("campaign") or None
    return {"state": state, "campaign_id": id_param(campaign, name="campaign") if campaign else None}


def _story_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    fields.pop("audience", None)
    fields.pop("remove_image", None)
    if "campaign" in fields:
        fields["campaign_id"] = fields.pop("campaign")
    if "suggested_texts" in fields:
        fields["suggested_texts"] = [dict(t) for t in fields["suggested_texts"]]
    return fields


class StoryListCreateView(generics.ListAPIView):
    permission_classes = [IsEditor]
    serializer_class = StorySerializer
    parser_classes = UPLOAD_PARSERS

    def get_queryset(self) -> QuerySet[Story]:
        if getattr(self, "swagger_fake_view", False):
            return Story.objects.none()
        return selectors.stories_for_editor(**_story_filters(self.request))

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
        story = services.story_create(by=signed_in_user(request), audience=v.get("audience"), image=image, **_story_fields(v))
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
        user = signed_in_user(request)
        story = selectors.story_get_for_user(user=user, story_id=pk)
        return Response(StorySerializer(selectors.story_for_editor(story_id=story.pk), context={"request": request}).data
                        if selectors.is_editor(user) else _feed_item(request, story.pk))

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
    reader = selectors.reader_for(user=signed_in_user(request))
    story = selectors.feed_for_user(user=signed_in_user(request), reader=reader, window=None).filter(pk=story_id).first()
    if story is None:  # pragma: no cover - the caller has just checked visibility
        raise DomainError(_("Story not found."), code="not_found", status_code=404)
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
