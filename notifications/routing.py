"""Websocket routes: one live-updates endpoint on the same ASGI server."""
from django.urls import path

from notifications.consumers import LiveConsumer

websocket_urlpatterns = [path("ws/v1/", LiveConsumer.as_asgi())]
