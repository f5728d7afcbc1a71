"""Fixtures for push tests: a fake FCM server, a generated service-account key whose token endpoint
is that server, and the SDK's FCM endpoint patched to it. Our code is not patched."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import messaging
from google.auth import _regional_access_boundary_utils

from notifications import push
from tests.notifications.fake_fcm import FakeFCM


@pytest.fixture
def fake_fcm(monkeypatch) -> Iterator[FakeFCM]:  # type: ignore[no-untyped-def]
    fake = FakeFCM().start()
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", fake.url + "/v1/projects/{0}/messages:send")
    # google-auth also looks up the service account's allowed locations (iamcredentials.googleapis.com).
    monkeypatch.setattr(
        _regional_access_boundary_utils, "get_service_account_rab_endpoint",
        lambda email: f"{fake.url}/v1/projects/-/serviceAccounts/{email}/allowedLocations",
    )
    push.reset_app()
    yield fake
    fake.stop()
    push.reset_app()


@pytest.fixture
def firebase_credentials(fake_fcm: FakeFCM, tmp_path: Path, settings) -> Path:  # type: ignore[no-untyped-def]
    """A real (generated) service-account key; its token_uri points at the fake server."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "relay-test", "private_key_id": "test-key",
        "private_key": pem, "client_email": "relay@relay-test.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": f"{fake_fcm.url}/token",
    }))
    settings.FIREBASE_CREDENTIALS = str(path)
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0.01
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 0.05
    return path


@pytest.fixture(autouse=True)
def _eager_tasks() -> Iterator[None]:
    """Run Celery tasks in-process here; the real worker is exercised by the fault tests."""
    from backend.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _token_deprecation_is_known() -> None:
    """firebase-admin 7 deprecates Message(token=...); notifications/push.py explains why we use it
    (pytest resets the filter it installs at import)."""
    import warnings

    warnings.filterwarnings("ignore", message="Message.token is deprecated", category=DeprecationWarning)
