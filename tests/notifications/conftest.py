"""Fixtures for push tests: a fake FCM server (HTTP/2 over TLS from a test CA), a generated
service-account key whose token endpoint is that server, and the SDK's FCM endpoint pointed at it.
Our code is not patched; the SDK's httpx client trusts the test CA through SSL_CERT_FILE."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import messaging
from google.auth import _regional_access_boundary_utils

from tests.notifications.fake_fcm import FakeFCM


def service_account(path: Path, token_url: str) -> Path:
    """A real (generated) service-account key whose token_uri is the fake's token endpoint."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "relay-test", "private_key_id": "test-key",
        "private_key": pem, "client_email": "relay@relay-test.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": token_url,
    }))
    return path


@pytest.fixture
def fake_fcm(monkeypatch, tmp_path: Path) -> Iterator[FakeFCM]:
    fake = FakeFCM(ca_dir=tmp_path / "ca").start()
    monkeypatch.setenv("SSL_CERT_FILE", fake.ca_file)  # replaces the trust store of httpx clients made now
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", fake.url + "/v1/projects/{0}/messages:send")
    # google-auth also looks up the service account's allowed locations (iamcredentials.googleapis.com).
    monkeypatch.setattr(
        _regional_access_boundary_utils, "get_service_account_rab_endpoint",
        lambda email: f"http://127.0.0.1:{fake.token_port}/v1/projects/-/serviceAccounts/{email}/allowedLocations",
    )
    yield fake
    fake.stop()


@pytest.fixture
def firebase_credentials(fake_fcm: FakeFCM, tmp_path: Path, settings) -> Path:
    settings.FIREBASE_CREDENTIALS = str(service_account(tmp_path / "service-account.json", fake_fcm.token_url))
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0.01
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 0.05
    return Path(settings.FIREBASE_CREDENTIALS)


@pytest.fixture(autouse=True)
def _eager_tasks(eager_tasks: None) -> None:
    """Run Celery tasks in-process here; the real worker is exercised by the fault tests."""
