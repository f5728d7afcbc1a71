"""/scim/v2/Users: create, read, list with filters and pages, replace, patch (Entra ID and Okta
forms), delete; RFC 7644 §3.12 errors; one connection never sees another's users."""
from __future__ import annotations

import pytest
from django.utils import timezone

from backend.directory.models import DirectoryUser
from backend.listening.models import EventType, Signal, SignalEvent
from backend.people.models import Membership, User
from notifications.models import Device
from tests.directory.conftest import ENTERPRISE, PATCH_SCHEMA, USER_SCHEMA, Scim
from tests.factories import MembershipFactory, SignalFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_create_maps_attributes_onto_the_person(scim: Scim) -> None:
    team = TeamFactory.create(name="Sales NL", slug="sales-nl")
    created = scim.user(
        "Anna.deVries@Bank.example", externalId="e-1", displayName="Anna de Vries", preferredLanguage="nl-NL",
        addresses=[{"type": "home", "locality": "Gouda"}, {"type": "work", "locality": "Utrecht"}],
        **{ENTERPRISE: {"department": "sales-nl", "employeeNumber": "4711"}},
    )
    user = User.objects.select_related("profile").get(email="anna.devries@bank.example")
    assert (user.profile.display_name, user.profile.language, user.profile.location) == ("Anna de Vries", "nl", "Utrecht")
    assert list(Membership.objects.filter(user=user).values_list("team_id", flat=True)) == [team.pk]
    link = DirectoryUser.objects.get(user=user)
    assert (link.employee_number, link.external_id, str(link.scim_id)) == ("4711", "e-1", created["id"])
    assert created["userName"] == "Anna.deVries@Bank.example"
    assert created["meta"]["resourceType"] == "User" and created["meta"]["location"].endswith(f"/Users/{created['id']}")
    assert not user.has_usable_password()


def test_unknown_department_gives_no_team_and_password_is_set(scim: Scim) -> None:
    scim.user("bo@bank.example", password="Joiner-pass-123", **{ENTERPRISE: {"department": "Nowhere"}})
    user = User.objects.get(email="bo@bank.example")
    assert not Membership.objects.filter(user=user).exists()
    assert user.check_password("Joiner-pass-123")


def test_response_is_scim_json_and_never_carries_the_password(scim: Scim) -> None:
    created = scim.user("cy@bank.example", password="Joiner-pass-123")
    response = scim.call("GET", f"/Users/{created['id']}")
    assert response.status_code == 200 and response["Content-Type"] == "application/scim+json"
    assert "password" not in response.json_body and "password" not in created


def test_duplicate_user_name_is_409_uniqueness(scim: Scim) -> None:
    scim.user("dee@bank.example")
    response = scim.call("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "DEE@bank.example"})
    assert response.status_code == 409
    assert response.json_body == {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409",
                                  "scimType": "uniqueness", "detail": response.json_body["detail"]}
    assert DirectoryUser.objects.count() == 1


def test_existing_unlinked_person_is_linked_but_never_an_admin(scim: Scim) -> None:
    User.objects.create_user("old@bank.example")
    User.objects.create_superuser("root@bank.example")
    scim.user("old@bank.example")
    assert DirectoryUser.objects.filter(user__email="old@bank.example").exists()
    assert scim.call("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "root@bank.example"}).status_code == 409


def test_filter_by_user_name_and_external_id(scim: Scim) -> None:
    a = scim.user("eve@bank.example", externalId="x-1")
    scim.user("finn@bank.example", externalId="x-2")
    by_name = scim.call("GET", '/Users?filter=userName eq "EVE@bank.example"').json_body
    by_ext = scim.call("GET", '/Users?filter=externalId eq "x-1"').json_body
    none = scim.call("GET", '/Users?filter=externalId eq "x-9"').json_body
    assert by_name["totalResults"] == 1 and by_name["Resources"][0]["id"] == a["id"]
    assert by_ext["totalResults"] == 1 and by_ext["Resources"][0]["id"] == a["id"]
    assert none["totalResults"] == 0


def test_other_filters_are_evaluated_by_the_library(scim: Scim) -> None:
    scim.user("gus@bank.example", externalId="x-1")
    scim.user("hal@bank.example", externalId="y-2")
    found = scim.call("GET", '/Users?filter=externalId sw "x" or userName co "hal"').json_body
    assert found["totalResults"] == 2
    found = scim.call("GET", '/Users?filter=externalId sw "y"').json_body
    assert [r["userName"] for r in found["Resources"]] == ["hal@bank.example"]


def test_invalid_filter_is_400_invalid_filter(scim: Scim) -> None:
    response = scim.call("GET", '/Users?filter=userName eq')
    assert response.status_code == 400 and response.json_body["scimType"] == "invalidFilter"


def test_pagination_with_start_index_and_count(scim: Scim, django_assert_max_num_queries) -> None:
    for n in range(5):
        scim.user(f"p{n}@bank.example")
    # auth, count, page and the savepoints of the request and the operation: not one query per user
    with django_assert_max_num_queries(7):
        page = scim.call("GET", "/Users?startIndex=2&count=2").json_body
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [r["userName"] for r in page["Resources"]] == ["p1@bank.example", "p2@bank.example"]


def test_put_replaces_and_moves_the_department(scim: Scim) -> None:
    old, new = TeamFactory.create(name="Sales NL"), TeamFactory.create(name="Customer support")
    created = scim.user("ida@bank.example", **{ENTERPRISE: {"department": "Sales NL"}})
    body = {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": "ida@bank.example", "displayName": "Ida K",
            ENTERPRISE: {"department": "Customer support"}}
    response = scim.call("PUT", f"/Users/{created['id']}", body)
    assert response.status_code == 200, response.json_body
    user = User.objects.get(email="ida@bank.example")
    assert list(Membership.objects.filter(user=user).values_list("team_id", flat=True)) == [new.pk]
    assert user.profile.display_name == "Ida K" and old.pk != new.pk


def test_department_move_keeps_memberships_an_admin_gave(scim: Scim) -> None:
    TeamFactory.create(name="Sales NL")
    triage = TeamFactory.create(name="Triage", is_triage=True)
    created = scim.user("jo@bank.example", **{ENTERPRISE: {"department": "Sales NL"}})
    user = User.objects.get(email="jo@bank.example")
    MembershipFactory.create(team=triage, user=user)
    scim.call("PATCH", f"/Users/{created['id']}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Nowhere"}]})
    assert list(Membership.objects.filter(user=user).values_list("team_id", flat=True)) == [triage.pk]


def test_put_cannot_change_the_id(scim: Scim) -> None:
    created = scim.user("kim@bank.example")
    body = {"schemas": [USER_SCHEMA], "id": "00000000-0000-0000-0000-000000000000", "userName": "kim@bank.example"}
    response = scim.call("PUT", f"/Users/{created['id']}", body)
    assert response.status_code in (200, 400)
    assert DirectoryUser.objects.filter(scim_id=created["id"]).exists()


@pytest.mark.parametrize("operations", [
    [{"op": "Replace", "path": "active", "value": "False"}],  # Entra ID
    [{"op": "replace", "value": {"active": False}}],  # Okta
])
def test_patch_active_false_is_a_leaver(scim: Scim, operations: list[dict]) -> None:
    team = TeamFactory.create()
    created = scim.user("lea@bank.example")
    user = User.objects.get(email="lea@bank.example")
    MembershipFactory.create(team=team, user=user)
    lead = SignalFactory.create(team=team, assignee=user, status="claimed", claimed_at=timezone.now())
    contacted = SignalFactory.create(team=team, assignee=user, status="contacted", claimed_at=timezone.now())
    won = SignalFactory.create(team=team, assignee=user, status="won")
    mine = SignalFactory.create(submitter=user, team=team)
    Device.objects.create(user=user, token="fcm-token-1", platform="android")

    response = scim.call("PATCH", f"/Users/{created['id']}", {"schemas": [PATCH_SCHEMA], "Operations": operations})

    assert response.status_code in (200, 204), response.json_body
    user.refresh_from_db()
    assert not user.is_active
    for signal in (lead, contacted, won):
        signal.refresh_from_db()
    assert (lead.assignee_id, lead.status) == (None, "new")
    assert (contacted.assignee_id, contacted.status) == (None, "contacted")
    assert won.assignee_id == user.pk  # closed work keeps who did it
    event = SignalEvent.objects.get(signal=lead, type=EventType.RETURNED)
    assert (event.from_status, event.to_status, event.note) == ("claimed", "new", "returned to queue: holder left")
    assert not Device.objects.get(token="fcm-token-1").active
    assert Signal.objects.filter(pk=mine.pk, submitter=user).exists()
    assert scim.call("GET", f"/Users/{created['id']}").json_body["active"] is False


def test_patch_active_true_reactivates(scim: Scim) -> None:
    created = scim.user("max@bank.example", active=False)
    assert not User.objects.get(email="max@bank.example").is_active
    scim.call("PATCH", f"/Users/{created['id']}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "Replace", "path": "active", "value": "True"}]})
    assert User.objects.get(email="max@bank.example").is_active


def test_patch_add_and_remove_attributes(scim: Scim) -> None:
    created = scim.user("ned@bank.example")
    scim.call("PATCH", f"/Users/{created['id']}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "add", "path": "addresses", "value": [{"type": "work", "locality": "Aarhus"}]},
        {"op": "add", "path": "preferredLanguage", "value": "da-DK"},
    ]})
    user = User.objects.select_related("profile").get(email="ned@bank.example")
    assert (user.profile.location, user.profile.language) == ("Aarhus", "da")
    response = scim.call("PATCH", f"/Users/{created['id']}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "remove", "path": "preferredLanguage"}]})
    assert response.status_code in (200, 204)
    assert "preferredLanguage" not in scim.call("GET", f"/Users/{created['id']}").json_body


def test_patch_of_a_read_only_attribute_is_400_mutability(scim: Scim) -> None:
    created = scim.user("ola@bank.example")
    response = scim.call("PATCH", f"/Users/{created['id']}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]})
    assert response.status_code == 400 and response.json_body["scimType"] in ("mutability", "invalidPath")


def test_invalid_value_is_400_invalid_value(scim: Scim) -> None:
    response = scim.call("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "not-an-email"})
    assert response.status_code == 400 and response.json_body["scimType"] == "invalidValue"
    assert not User.objects.filter(email="not-an-email").exists()


def test_delete_deactivates_and_hides_but_never_deletes(scim: Scim) -> None:
    created = scim.user("pia@bank.example")
    assert scim.call("DELETE", f"/Users/{created['id']}").status_code == 204
    user = User.objects.get(email="pia@bank.example")
    assert not user.is_active
    assert DirectoryUser.objects.get(user=user).deleted_at is not None
    response = scim.call("GET", f"/Users/{created['id']}")
    assert response.status_code == 404 and "scimType" not in response.json_body


def test_bad_token_is_401(scim: Scim) -> None:
    scim.user("quin@bank.example")
    for token in ("wrong", ""):
        response = scim.call("GET", "/Users", token=token)
        assert response.status_code == 401 and response.json_body["status"] == "401"
    scim.connection.active = False
    scim.connection.save()
    assert scim.call("GET", "/Users").status_code == 401


def test_another_connection_cannot_see_or_change_a_user(scim: Scim, scim_b: Scim) -> None:
    created = scim.user("rae@bank.example")
    path = f"/Users/{created['id']}"
    assert scim_b.call("GET", path).status_code == 404
    assert scim_b.call("PATCH", path, {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "replace", "path": "active", "value": False}]}).status_code == 404
    assert scim_b.call("PUT", path, {"schemas": [USER_SCHEMA], "userName": "rae@bank.example"}).status_code == 404
    assert scim_b.call("DELETE", path).status_code == 404
    assert scim_b.call("GET", '/Users?filter=userName eq "rae@bank.example"').json_body["totalResults"] == 0
    assert scim_b.call("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "rae@bank.example"}).status_code == 409
    assert User.objects.get(email="rae@bank.example").is_active
    assert DirectoryUser.objects.get(scim_id=created["id"]).deleted_at is None
