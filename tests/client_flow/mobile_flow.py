"""The mobile app's flow, written against the Python client that openapi-python-client generates
from the live schema (package `relay_mobile_api_client`). mypy checks this file against the
generated types, so a schema that lies about a type breaks the build before a phone does.

Not collected by pytest itself: `test_generated_client.py` generates the client, type-checks this
file and runs `run()` against a real server. Outside that test the generated package does not
exist, and the project's own mypy run sees its imports as missing (ignore_missing_imports).

Left out until it is on main: `POST /api/v1/signals/preview/` (issue 16.3) between sign-in and submit.
"""
from __future__ import annotations

import uuid
from typing import TypeVar

from relay_mobile_api_client import AuthenticatedClient, Client
from relay_mobile_api_client.api.auth import auth_logout_create, auth_token_create
from relay_mobile_api_client.api.devices import devices_create, devices_destroy_by_id
from relay_mobile_api_client.api.feed import feed_list
from relay_mobile_api_client.api.guidelines import guidelines_accept_create, guidelines_retrieve
from relay_mobile_api_client.api.notifications import notifications_list
from relay_mobile_api_client.api.signals import (
    signals_create,
    signals_mine_list,
    signals_preview_create,
    signals_retrieve,
)
from relay_mobile_api_client.api.stories import stories_shares_create
from relay_mobile_api_client.models import (
    ChannelEnum,
    DeviceInputRequest,
    DeviceOutput,
    Error,
    Guidelines,
    GuidelinesAcceptRequest,
    InputRequest,
    KindEnum,
    MySignal,
    PaginatedFeedItemList,
    PaginatedMySignalList,
    PaginatedNotificationList,
    PlatformEnum,
    ShareCreated,
    ShareCreateRequest,
    SignalCreated,
    SignalCreateRequest,
    SignalPreview,
    SignalPreviewInputRequest,
    SignalStatusEnum,
    TokenObtainPair,
    TokenObtainPairRequest,
)

T = TypeVar("T")


def expect(value: T | Error | None, kind: type[T]) -> T:
    """The parsed answer when it is the documented success shape; anything else fails the flow."""
    if not isinstance(value, kind):
        raise AssertionError(f"expected {kind.__name__}, got {value!r}")
    return value


def run(base_url: str, *, email: str, password: str) -> dict[str, object]:
    """Sign in, preview, submit, mine, device register and unregister, guidelines, feed, share, inbox, logout."""
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    tokens = expect(auth_token_create.sync(client=anonymous, body=TokenObtainPairRequest(
        email=email, password=password)), TokenObtainPair)
    client = AuthenticatedClient(base_url=base_url, token=tokens.access, raise_on_unexpected_status=True)

    # Before sending, the app asks what the text holds: a number typed into it needs consent.
    preview = expect(signals_preview_create.sync(client=client, body=SignalPreviewInputRequest(
        text="Mijn buurman wil zijn hypotheek oversluiten, bel hem op 06-12345678")), SignalPreview)
    assert isinstance(preview.kind, KindEnum) and preview.consent_needed

    # A retry with the same key must not make a second signal: the key is text, as the schema says.
    key = str(uuid.uuid4())
    request = SignalCreateRequest(text="Mijn buurman wil zijn hypotheek oversluiten, kan iemand hem een offerte sturen?")
    created = expect(signals_create.sync(client=client, body=request, idempotency_key=key), SignalCreated)
    retried = expect(signals_create.sync(client=client, body=request, idempotency_key=key), SignalCreated)
    assert isinstance(created.kind, KindEnum) and isinstance(created.status, SignalStatusEnum)

    mine = expect(signals_mine_list.sync(client=client), PaginatedMySignalList)
    detail = signals_retrieve.sync(created.id, client=client)
    assert isinstance(detail, MySignal)  # the submitter's shape of the two (`view` discriminates)

    device = expect(devices_create.sync(client=client, body=DeviceInputRequest(
        token="fcm-flow-" + uuid.uuid4().hex * 2, platform=PlatformEnum.ANDROID, installation_id="fid-flow",
    )), DeviceOutput)
    unregistered = devices_destroy_by_id.sync_detailed(device.id, client=client)

    guidelines = expect(guidelines_retrieve.sync(client=client), Guidelines)
    if guidelines.version is not None and guidelines.accepted_at is None:
        expect(guidelines_accept_create.sync(client=client, body=GuidelinesAcceptRequest(
            version=guidelines.version)), Guidelines)

    feed = expect(feed_list.sync(client=client), PaginatedFeedItemList)
    share = expect(stories_shares_create.sync(feed.results[0].id, client=client, body=ShareCreateRequest(
        channel=ChannelEnum.LINKEDIN, message="Mooi nieuws van ons kantoor, in mijn eigen woorden.",
    )), ShareCreated)

    inbox = expect(notifications_list.sync(client=client), PaginatedNotificationList)
    logout = auth_logout_create.sync_detailed(client=client, body=InputRequest(refresh=tokens.refresh))

    return {
        "signal": created.id, "retried": retried.id, "mine": [s.id for s in mine.results],
        "view": detail.view.value, "device": device.id, "unregistered": int(unregistered.status_code),
        "feed": len(feed.results), "tracked_url": share.tracked_url, "inbox": len(inbox.results),
        "logout": int(logout.status_code),
    }
