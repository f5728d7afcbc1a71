"""The social-media guidelines in force, and accepting them before the first share."""
from __future__ import annotations

from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.people.requests import signed_in_user
from backend.sharing import selectors, services


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
        accepted = selectors.guidelines_accepted_at(user=signed_in_user(request), guidelines=current)
        # The active language: the person's profile language (set at authentication).
        text = selectors.guidelines_text(guidelines=current, language=translation.get_language())
        return Response(GuidelinesSerializer({"version": current.version, "text": text,
                                              "accepted_at": accepted}).data)


class GuidelinesAcceptView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Accept the guidelines in force (asked before the first share)",
                   request=GuidelinesAcceptSerializer, responses={200: GuidelinesSerializer})
    def post(self, request: Request) -> Response:
        data = GuidelinesAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        acceptance = services.guidelines_accept(user=signed_in_user(request), version=data.validated_data["version"])
        return Response(GuidelinesSerializer({"version": acceptance.guidelines.version,
                                              "text": selectors.guidelines_text(
                                                  guidelines=acceptance.guidelines, language=translation.get_language()),
                                              "accepted_at": acceptance.accepted_at}).data)
