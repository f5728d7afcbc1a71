"""ASGI entry point: HTTP through Django, websockets through Channels, on one server."""
import os

from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
# Initialise Django before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter

from notifications.auth import JWTAuthMiddleware, origin_validator
from notifications.routing import websocket_urlpatterns

# The URLconf imports every view module (~0.3 s): at start-up, before the server accepts a
# request, rather than inside whichever request comes first.
get_resolver().url_patterns  # noqa: B018 - the import is the point

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": origin_validator(JWTAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
