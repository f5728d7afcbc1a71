"""JWT sign-in for the app: access + refresh tokens (by password, or by the identity provider's ID
token), refresh rotation with blacklisting, logout."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
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
from backend.core.throttles import LoginIpThrottle
from backend.people import services as people_services
from backend.people.oidc import oidc_id_token_verify
from backend.people.requests import signed_in_user
from notifications.services import live_sessions_end


class PasswordLoginDisabled(DomainError):
    status_code = 403
    code = "password_login_disabled"

    def __init__(self) -> None:
        super().__init__(_("Signing in with a password is turned off here; sign in with your company account."))


class TokenObtainView(TokenObtainPairView):
    """Sign in with e-mail and password; answers an access and a refresh token.
    403 `password_login_disabled` when the operator turned passwords off (`AUTH_PASSWORD_LOGIN=0`)."""

    # AllowAny (not simplejwt's empty tuple) is what marks the operation public in the schema.
    permission_classes = [AllowAny]  # type: ignore[assignment]  # simplejwt types it as its empty tuple
    # The sign-in limits sit in the authentication backend (backend.people.auth), shared by every way
    # in; over them, it raises LoginThrottled: 429 with `retry_after`.

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not settings.AUTH_PASSWORD_LOGIN:
            raise PasswordLoginDisabled()
        response = super().post(request, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            # The app was opened (issue 20's digest skips those who did). simplejwt's serializer is
            # kept as it is: its schema component is a contract of the generated clients.
            people_services.profile_app_seen(user_id=int(AccessToken(response.data["access"])["user_id"]))
        return response


def _error_example(name: str, code: str, status_code: int, **extra: str) -> OpenApiExample:
    return OpenApiExample(name, value={"error": {"code": code, "message": "…", "fields": {}, **extra}},
                          status_codes=[str(status_code)], response_only=True)


class OidcTokenView(APIView):
    """Sign in with the identity provider's ID token (issue 17; docs/sso.md)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    # Counted per client address in the same `login` window as the password sign-in.
    throttle_classes = [*APIView.throttle_classes, LoginIpThrottle]

    class OidcSignInSerializer(serializers.Serializer):
        id_token = serializers.CharField(max_length=16_384, trim_whitespace=True)
        nonce = serializers.CharField(max_length=512, required=False)

    class OidcTokenPairSerializer(serializers.Serializer):
        access = serializers.CharField()
        refresh = serializers.CharField()

    @extend_schema(
        request=OidcSignInSerializer,
        responses={
            200: OidcTokenPairSerializer,
            400: OpenApiResponse(description="`validation_error`: no `id_token`"),
            401: OpenApiResponse(description="`invalid_token` (with `reason`) or `account_inactive`"),
            403: OpenApiResponse(description="`not_provisioned`: the provider knows the person, Relay does not"),
            404: OpenApiResponse(description="`sso_not_configured`: OIDC_ISSUER is not set"),
            429: OpenApiResponse(description="`throttled`: the per-address sign-in limit, shared with passwords"),
            503: OpenApiResponse(description="`sso_provider_unavailable`: the provider's keys cannot be fetched"),
        },
        examples=[
            OpenApiExample("ID token from the app's PKCE flow",
                           value={"id_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9.eyJpc3MiOiIuLi4ifQ.c2ln",
                                  "nonce": "n-0S6_WzA2Mj"}, request_only=True),
            OpenApiExample("Signed in", value={"access": "eyJ…", "refresh": "eyJ…"}, response_only=True,
                           status_codes=["200"]),
            _error_example("Token refused", "invalid_token", 401, reason="expired"),
            _error_example("Not provisioned", "not_provisioned", 403),
            _error_example("SSO off", "sso_not_configured", 404),
        ],
        summary="Sign in with the identity provider's ID token",
        description="The app runs the authorization-code flow with PKCE against the identity provider "
        "(system browser) and sends the ID token it got, with the `nonce` it used. Relay checks the "
        "signature (the provider's published keys), `iss`, `aud`, `exp`/`iat`, the nonce (once only) and "
        "the algorithm, finds the person by the token's `sub`, and answers the same access/refresh pair "
        "as `/auth/token/`. 401 `invalid_token` names the failed check in `reason`: `bad_signature`, "
        "`expired`, `not_yet_valid`, `wrong_audience`, `wrong_issuer`, `nonce_mismatch`, `nonce_replayed`, "
        "`alg_not_allowed`, `unknown_key`, `missing_claim`, `malformed`.",
    )
    def post(self, request: Request) -> Response:
        data = self.OidcSignInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claims = oidc_id_token_verify(id_token=data.validated_data["id_token"],
                                      nonce=data.validated_data.get("nonce"))
        user = people_services.person_for_oidc_claims(claims=claims)
        refresh = RefreshToken.for_user(user)  # the same classes and claims as the password sign-in
        people_services.profile_app_seen(user_id=user.pk)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


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
