"""Issue 16.7: the schema a generated client is built from says what the API does."""
from __future__ import annotations

import collections
from typing import Any

import pytest

pytestmark = pytest.mark.django_db
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
def schema(client_for, employee) -> dict[str, Any]:
    # With DEBUG off the schema needs sign-in (issue 15; API_DOCS_PUBLIC=1 publishes it).
    return client_for(employee).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, o) for p, item in schema["paths"].items() for m, o in item.items() if m in METHODS]


def test_every_operation_has_a_summary_and_no_description_is_repeated(schema) -> None:
    missing = [(m, p) for m, p, o in operations(schema) if not o.get("summary")]
    repeated = [d for d, n in collections.Counter(o.get("description") for _m, _p, o in operations(schema)
                                                  if o.get("description")).items() if n > 1]

    assert missing == [] and repeated == []


@pytest.mark.parametrize(("component", "field"), [
    ("MySignal", "kind"), ("MySignal", "status"), ("SignalDetail", "language"), ("MeOutput", "role"),
    ("Notification", "type"), ("Notification", "category"), ("DeviceOutput", "platform"),
    ("ShareCreated", "channel"), ("Story", "state"), ("QueueSignal", "heard_via"), ("TeamRef", "kind"),
])
def test_response_fields_that_are_enums_in_the_input_are_enums(schema, component: str, field: str) -> None:
    prop = schema["components"]["schemas"][component]["properties"][field]
    ref = prop.get("$ref") or prop["allOf"][0]["$ref"]

    assert schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"]


def test_the_idempotency_key_is_a_string_a_client_sends_as_text(schema) -> None:
    [header] = [p for p in schema["paths"]["/api/v1/signals/"]["post"]["parameters"] if p["in"] == "header"]

    assert header["name"] == "Idempotency-Key"
    assert header["schema"]["type"] == "string" and "format" not in header["schema"]
    assert header["schema"]["pattern"]


def test_error_extras_are_typed_and_claimed_by_is_a_person_ref(schema) -> None:
    body = schema["components"]["schemas"]["ErrorBody"]["properties"]

    assert body["claimed_by"]["allOf"] == [{"$ref": "#/components/schemas/PersonRef"}]
    assert body["retry_after"]["type"] == "integer"
    assert body["allowed"]["items"]["type"] == "string"
    assert body["current_version"]["type"] == body["guidelines_version"]["type"] == "string"
    conflict = schema["paths"]["/api/v1/signals/{id}/claim/"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_two_shapes_of_a_signal_carry_a_discriminator(schema, bank, client_for) -> None:
    from tests.factories import SignalFactory

    view = schema["components"]["schemas"]["SignalView"]
    signal = SignalFactory.create(submitter=bank.emma, team=bank.sales_nl, kind="lead")

    assert view["discriminator"]["propertyName"] == "view"
    assert set(view["discriminator"]["mapping"]) == {"team", "submitter"}
    assert client_for(bank.emma).get(f"/api/v1/signals/{signal.pk}/").json()["view"] == "submitter"
    assert client_for(bank.sam).get(f"/api/v1/signals/{signal.pk}/").json()["view"] == "team"


def test_devices_unregister_by_id_is_documented(schema) -> None:
    operation = schema["paths"]["/api/v1/devices/{id}/"]["delete"]

    assert "204" in operation["responses"] and operation["operationId"] == "devices_destroy_by_id"
    assert schema["paths"]["/api/v1/devices/"]["delete"]["deprecated"] is True
