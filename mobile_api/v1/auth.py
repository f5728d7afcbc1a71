"""JWT sign-in for the app: access + refresh tokens, refresh rotation with blacklisting, logout."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from backend.core.errors import DomainError
from backend.people import services as people_services
from backend.people.requests import signed_in_user
from notifications.services import live_sessions_end


class TokenObtainView(TokenObtainPairView):
    """Sign in with e-mail and password; answers an access and a refresh token."""

    # AllowAny (not simplejwt's empty tuple) is what marks the operation public in the schema.
    permission_classes = [AllowAny]  # type: ignore[assignment]  # simplejwt types it as its empty tuple
    # The sign-in limits sit in the authentication backend (backend.people.auth), shared by every way
    # in; over them, it raises LoginThrottled: 429 with `retry_after`.

    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().post(request, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            # The app was opened (issue 20's digest skips those who did). simplejwt's serializer is
            # kept as it is: its schema component is a contract of the generated clients.
            people_services.profile_app_seen(user_id=int(AccessToken(response.data["access"])["user_id"]))
        return response


class ActiveUserTokenRefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs: dict) -> dict:
        from django.contrib.auth import get_user_model

        try:
            user_id = RefreshToken(attrs["refresh"]).payload.get("user_id")
        except TokenError as exc:
            raise DomainError(str(exc), code="token_not_valid", status_code=401) from exc
        if user_id is None or not get_user_model().objects.filter(pk=user_id, is_active=True).exists():
            # A deactivated person must not mint new access tokens from an old refresh token.
            raise DomainError(_("This account is not active."), code="account_inactive", status_code=401)
        data = super().validate(attrs)
        people_services.profile_app_seen(user_id=int(user_id))
        return data


class TokenRefreshRotateView(TokenRefreshView):
    """Swap a refresh token for a new pair; the old refresh token is blacklisted (rotation)."""

    permission_classes = [AllowAny]  # type: ignore[assignment]  # simplejwt types it as its empty tuple
    serializer_class = ActiveUserTokenRefreshSerializer


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField(required=False)
        everywhere = serializers.BooleanField(default=False)

        def validate(self, attrs: dict) -> dict:
            if not attrs["everywhere"] and not attrs.get("refresh"):
                raise serializers.ValidationError({"refresh": ["This field is required."]})
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses={205: None, 400: inline_serializer("LogoutError", {"error": serializers.DictField()})},
        summary="Log out: this device (its refresh and access token), or everywhere",
        description="`refresh`: log out this device; its access token is refused from now on. "
        "`everywhere: true`: every refresh and access token of the person is revoked and their "
        "open websockets are closed (4401).",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = signed_in_user(request)
        if data.validated_data["everywhere"]:
            with transaction.atomic():
                people_services.person_sign_out_everywhere(user=user)
                live_sessions_end(user_id=user.pk)
        else:
            # ProfileJWTAuthentication, the only authentication class, puts simplejwt's token here.
            access: Token = request.auth  # type: ignore[assignment]  # DRF types request.auth as its own Token model
            people_services.access_token_logout(user=user, access=access, refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_205_RESET_CONTENT)
