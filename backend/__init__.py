"""The Relay Django project: settings, urls, asgi/wsgi, the Celery app and the domain apps."""
from backend.celery import app as celery_app

__all__ = ["celery_app"]
