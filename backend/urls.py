import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from backend.console.oidc import ConsoleLogoutView
from backend.directory.views import scim
from mobile_api import health
from mobile_api.media import media_serve
from mobile_api.metrics import metrics
from mobile_api.tracked_links import share_redirect

urlpatterns = [
    # A start page for whoever opens the bare host: where the docs, the console and the admin are.
    path("", TemplateView.as_view(template_name="relay/start.html"), name="start"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Prometheus (issue 20): token or allowed networks only (mobile_api/metrics.py).
    path("metrics", metrics, name="metrics"),
    # The admin's log-out is the console's: it ends the identity provider's session too (issue 17).
    path("admin/logout/", ConsoleLogoutView.as_view(), name="admin-logout"),
    path("admin/", admin.site.urls),
    # The tracked short link of a share: the product's hot path (one indexed lookup, one insert).
    re_path(r"^s/(?P<code>[A-Za-z0-9]{6,16})$", share_redirect, name="share-redirect"),
    path("api/v1/", include("mobile_api.urls", namespace="v1")),
    # SCIM 2.0 provisioning from the identity provider (issue 17, docs/scim.md).
    re_path(r"^scim/v2/?(?P<path>.*)$", scim, name="scim"),
    path("console/", include("backend.console.urls", namespace="console")),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="v1:schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="v1:schema"), name="api-redoc"),
]

if settings.RELAY_SERVE_MEDIA and settings.MEDIA_URL.startswith("/"):
    # Uploaded images (random names, validated and re-encoded); off when a web server or CDN serves them.
    urlpatterns.append(re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$", media_serve, name="media"))

handler400 = "mobile_api.errors.json_400"
handler403 = "mobile_api.errors.json_403"
handler404 = "mobile_api.errors.json_404"
handler500 = "mobile_api.errors.json_500"
