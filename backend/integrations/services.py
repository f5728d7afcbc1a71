"""Writes of the integrations app: status events from a team's CRM/ATS applied to its signals (issue 18)."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from backend.core.errors import Conflict, DomainError, NotFound
from backend.integrations.models import EVENT_TYPES, Connection, InboundEvent, Outcome, StatusMapping
from backend.listening import lifecycle
from backend.listening.models import Signal
from backend.listening.services import signal_transition_external


class BadSignature(DomainError):
    status_code = 401
    code = "bad_signature"


@dataclass(frozen=True)
class InboundResult:
    outcome: str
    signal_id: int
    status: str
    replay: bool


def _field_errors(data: Any) -> dict[str, list[str]]:
    if not isinstance(data, dict):
        return {"non_field_errors": ["A JSON object is expected."]}
    errors: dict[str, list[str]] = {}
    if data.get("type") not in EVENT_TYPES:
        errors["type"] = [f"One of: {', '.join(EVENT_TYPES)}."]
    if not isinstance(data.get("signal_id"), int) or isinstance(data.get("signal_id"), bool) or data["signal_id"] < 1:
        errors["signal_id"] = ["A positive integer."]
    for name, limit in (("external_id", 200), ("status", 80), ("note_for_submitter", 1000)):
        value = data.get(name, "")
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > limit:
            errors[name] = [f"A string of at most {limit} characters."]
    return errors


def integration_event_receive(*, connection_key: str, body: bytes, headers: Mapping[str, str]) -> InboundResult:
    """Verify, then apply once. Takes the signal's row lock.

    Refusals write nothing: a wrong signature or a timestamp outside 5 minutes (401), an unknown
    connection or a signal that is not this connection's team's (404), a transition the lifecycle
    does not allow (409). A late event (the signal is already at or past its status) is recorded
    as refused and answered 200, so the sender stops retrying. A repeated `webhook-id` answers what
    the first delivery did.
    """
    connection = Connection.objects.filter(key=connection_key, active=True).first()
    if connection is None:
        raise NotFound("No such connection.")
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        # The library's verifier: HMAC-SHA256 over id.timestamp.body, and a 5-minute timestamp window.
        Webhook(connection.secret).verify(body, lowered, json_parse=False)
    except (WebhookVerificationError, ValueError) as exc:
        raise BadSignature("The signature or its timestamp does not verify.") from exc
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise DomainError("The body is not JSON.", code="validation_error") from exc
    errors = _field_errors(data)
    if errors:
        raise DomainError("The event is not valid.", code="validation_error", fields=errors)
    webhook_id = lowered["webhook-id"][:100]
    try:
        return _apply(connection=connection, webhook_id=webhook_id, data=data)
    except IntegrityError:
        # A concurrent twin with the same webhook-id committed first: answer as it did.
        seen = InboundEvent.objects.get(connection=connection, webhook_id=webhook_id)
        return InboundResult(outcome=seen.outcome, signal_id=seen.signal_id, status=seen.to_status, replay=True)


@transaction.atomic
def _apply(*, connection: Connection, webhook_id: str, data: dict[str, Any]) -> InboundResult:
    signal = (Signal.objects.select_for_update(of=("self",)).select_related("team", "submitter__profile")
              .filter(pk=data["signal_id"], team_id=connection.team_id).first())
    if signal is None:
        raise NotFound("Signal not found.")
    seen = InboundEvent.objects.filter(connection=connection, webhook_id=webhook_id).first()
    if seen is not None:
        return InboundResult(outcome=seen.outcome, signal_id=signal.pk, status=signal.status, replay=True)
    mapping = StatusMapping.objects.filter(type=data["type"]).first()
    if mapping is None or mapping.kind != signal.kind:
        raise Conflict(f"{data['type']} does not apply to a {signal.kind}.", code="wrong_kind")
    to, current = mapping.to_status, signal.status
    external_id = (data.get("external_id") or "").strip()
    if external_id:
        signal.external_refs = {**(signal.external_refs or {}), connection.key: external_id}
    if lifecycle.can_transition(signal.kind, current, to):
        signal_transition_external(
            signal=signal, to=to, note=data.get("note_for_submitter") or "",
            source={"connection": connection.key, "type": data["type"], "external_id": external_id,
                    "external_status": data.get("status") or "", "webhook_id": webhook_id},
        )
        outcome = Outcome.APPLIED
    elif lifecycle.is_behind(signal.kind, current, to):
        if external_id:
            Signal.objects.filter(pk=signal.pk).update(external_refs=signal.external_refs)
        outcome = Outcome.OUT_OF_ORDER
    else:
        allowed = sorted(lifecycle.TRANSITIONS[signal.kind].get(current, frozenset()))
        raise Conflict(f"A {signal.kind} cannot go from {current} to {to}.", code="invalid_transition",
                       extra={"allowed": allowed})
    InboundEvent.objects.create(
        connection=connection, webhook_id=webhook_id, type=data["type"], signal_id=signal.pk,
        external_id=external_id, outcome=outcome, from_status=current, to_status=to,
    )
    return InboundResult(outcome=outcome, signal_id=signal.pk, status=signal.status, replay=False)
