"""Status events from a team's CRM, ATS or ticket system (issue 18; docs/webhooks.md).

No user signs in here: the Standard Webhooks signature with the connection's own secret is the
authentication, checked by the service before anything is read or written."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.integrations.services import integration_event_receive


class IntegrationEventView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=inline_serializer("IntegrationEventInput", {
            "type": serializers.CharField(), "signal_id": serializers.IntegerField(),
            "external_id": serializers.CharField(required=False), "status": serializers.CharField(required=False),
            "note_for_submitter": serializers.CharField(required=False),
        }),
        responses={200: inline_serializer("IntegrationEventResult", {
            "outcome": serializers.ChoiceField(choices=["applied", "out_of_order"]),
            "signal_id": serializers.IntegerField(), "status": serializers.CharField(),
            "replay": serializers.BooleanField(),
        })},
        summary="Report what became of a signal (signed per Standard Webhooks)",
    )
    def post(self, request: Request, connection_key: str) -> Response:
        # The signature covers the exact bytes, so the body is read raw, never re-serialised.
        result = integration_event_receive(connection_key=connection_key, body=request.body,
                                           headers=dict(request.headers))
        return Response({"outcome": result.outcome, "signal_id": result.signal_id, "status": result.status,
                         "replay": result.replay})
