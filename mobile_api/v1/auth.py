"""JWT sign-in for the app: access + refresh tokens, refresh rotation with blacklisting, logout."""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from backend.core.errors import DomainError
from backend.core.throttles import LoginEmailThrottle, LoginIpThrottle


class TokenObtainView(TokenObtainPairView):
    """Sign in with e-mail and password; answers an access and a refresh token."""

    # AllowAny (not simplejwt's empty tuple) is what marks the operation public in the schema.
    permission_classes = [AllowAny]  # type: ignore[assignment]  # simplejwt types it as its empty tuple
    throttle_classes = [LoginIpThrottle, LoginEmailThrottle]


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
        return super().validate(attrs)


class TokenRefreshRotateView(TokenRefreshView):
    """Swap a refresh token for a new pair; the old refresh token is blacklisted (rotation)."""

    permission_classes = [AllowAny]  # type: ignore[assignment]  # simplejwt types it as its empty tuple
    serializer_class = ActiveUserTokenRefreshSerializer


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={205: None, 400: inline_serializer("LogoutError", {"error": serializers.DictField()})},
        summary="Log out: blacklist the refresh token",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = RefreshToken(data.validated_data["refresh"])
        except TokenError as exc:
            raise DomainError(str(exc), code="token_not_valid") from exc
        if str(token.payload.get("user_id")) != str(request.user.pk):
            raise DomainError(_("This refresh token is not yours."), code="token_not_valid")
        token.blacklist()
        return Response(status=status.HTTP_205_RESET_CONTENT)
