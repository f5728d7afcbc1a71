"""Routes of the mobile API, version 1. Later capabilities add their routes here."""
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from mobile_api.v1 import auth, me

app_name = "v1"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("auth/token/", auth.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", auth.TokenRefreshRotateView.as_view(), name="token-refresh"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("me/", me.MeView.as_view(), name="me"),
]
