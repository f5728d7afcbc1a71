"""Small output serializers shared by several endpoints (one schema component each)."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from backend.people.models import TeamKind


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=TeamKind.choices)


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.SerializerMethodField()

    def get_display_name(self, user: Any) -> str:
        profile = getattr(user, "profile", None)
        return profile.display_name if profile else ""
