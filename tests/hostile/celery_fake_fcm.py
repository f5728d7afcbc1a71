"""The real Celery app (`backend.celery`), with the firebase-admin SDK pointed at a fake FCM server
on 127.0.0.1 (RELAY_FAKE_FCM_URL, HTTP/2 over TLS, its CA trusted through SSL_CERT_FILE; the
Google lookups on RELAY_FAKE_FCM_PLAIN_URL), for worker processes that the fault tests start themselves:

    celery -A tests.hostile.celery_fake_fcm worker

Only the SDK's endpoint is changed, exactly as tests/notifications/conftest.py does in-process; our
own code runs unchanged.
"""
from __future__ import annotations

import os

from firebase_admin import messaging
from google.auth import _regional_access_boundary_utils

from backend.celery import app

FAKE = os.environ["RELAY_FAKE_FCM_URL"]
PLAIN = os.environ["RELAY_FAKE_FCM_PLAIN_URL"]
messaging._MessagingService.FCM_URL = FAKE + "/v1/projects/{0}/messages:send"


def _allowed_locations(service_account_email: str) -> str:
    return f"{PLAIN}/v1/projects/-/serviceAccounts/{service_account_email}/allowedLocations"


_regional_access_boundary_utils.get_service_account_rab_endpoint = _allowed_locations

__all__ = ["app"]
