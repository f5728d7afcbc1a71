"""Websocket routes. The live-updates endpoint `/ws/v1/` arrives with the notifications issue."""
from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
