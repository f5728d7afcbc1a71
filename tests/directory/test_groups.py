"""/scim/v2/Groups: create, read, list with filters, PATCH of `members` in the forms Entra ID and Okta
send, PUT, DELETE; a group named like a team moves its members between team queues at once; one
connection never sees another's groups."""
from __future__ import annotations

from typing import Any

import pytest

from backend.directory.models import DirectoryGroup
from backend.people.models import Membership, Team, User
from tests.directory.conftest import GROUP_SCHEMA, PATCH_SCHEMA, Scim
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _teams(email: str) -> set[int]:
    return set(Membership.objects.filter(user__email=email).values_list("team_id", flat=True))


def _group(scim: Scim, name: str, *members: str, **extra: Any) -> dict[str, Any]:
    body = {"schemas": [GROUP_SCHEMA], "displayName": name, "members": [{"value": m} for m in members], **extra}
    response = scim.call("POST", "/Groups", body)
    assert response.status_code == 201, response.json_body
    return response.json_body


def _patch(scim: Scim, group_id: str, *operations: dict[str, Any]) -> Any:
    return scim.call("PATCH", f"/Groups/{group_id}", {"schemas": [PATCH_SCHEMA], "Operations": list(operations)})


def _member_ids(scim: Scim, group_id: str) -> set[str]:
    return {m["value"] for m in scim.call("GET", f"/Groups/{group_id}").json_body.get("members", [])}


def test_create_a_group_named_like_a_team_puts_its_members_in_that_team(scim: Scim) -> None:
    team = TeamFactory.create(name="Sales NL", slug="sales-nl")
    anna = scim.user("anna@bank.example")
    created = _group(scim, "sales nl", anna["id"], externalId="g-1")

    assert _teams("anna@bank.example") == {team.pk}
    group = DirectoryGroup.objects.get(scim_id=created["id"])
    assert (group.team_id, group.external_id) == (team.pk, "g-1")
    assert created["meta"]["resourceType"] == "Group" and created["members"][0]["value"] == anna["id"]


def test_a_group_without_a_team_gives_no_membership(scim: Scim) -> None:
    anna = scim.user("anna@bank.example")
    _group(scim, "All staff", anna["id"])
    assert _teams("anna@bank.example") == set()


def test_the_teams_map_of_the_connection_wins_over_the_name(scim: Scim) -> None:
    TeamFactory.create(name="Support", slug="support")
    mapped = TeamFactory.create(name="Sales DK", slug="sales-dk")
    scim.connection.mapping = {"teams": {"Support": "sales-dk"}}
    scim.connection.save()
    anna = scim.user("anna@bank.example")
    _group(scim, "Support", anna["id"])
    assert _teams("anna@bank.example") == {mapped.pk}


def test_get_list_and_filter_groups(scim: Scim) -> None:
    a = _group(scim, "Sales NL", externalId="g-1")
    _group(scim, "Support", externalId="g-2")

    one = scim.call("GET", f"/Groups/{a['id']}")
    listed = scim.call("GET", "/Groups").json_body
    by_name = scim.call("GET", '/Groups?filter=displayName eq "sales nl"').json_body
    by_ext = scim.call("GET", '/Groups?filter=externalId eq "g-2"').json_body
    paged = scim.call("GET", "/Groups?startIndex=2&count=1").json_body

    assert one.status_code == 200 and one["Content-Type"] == "application/scim+json"
    assert one.json_body["displayName"] == "Sales NL"
    assert listed["totalResults"] == 2
    assert [g["id"] for g in by_name["Resources"]] == [a["id"]]
    assert [g["displayName"] for g in by_ext["Resources"]] == ["Support"]
    assert (paged["totalResults"], [g["displayName"] for g in paged["Resources"]]) == (2, ["Support"])


def test_entra_patch_adds_and_removes_members_and_moves_queues(scim: Scim) -> None:
    team = TeamFactory.create(name="Sales NL")
    anna, bo = scim.user("anna@bank.example"), scim.user("bo@bank.example")
    group = _group(scim, "Sales NL")

    # Entra ID: "Add" with a list of members, "Remove" with the member as the value.
    added = _patch(scim, group["id"], {"op": "Add", "path": "members", "value": [{"value": anna["id"]},
                                                                                {"value": bo["id"]}]})
    assert added.status_code in (200, 204), added.json_body
    assert _member_ids(scim, group["id"]) == {anna["id"], bo["id"]}
    assert _teams("anna@bank.example") == _teams("bo@bank.example") == {team.pk}

    removed = _patch(scim, group["id"], {"op": "Remove", "path": "members", "value": [{"value": anna["id"]}]})
    assert removed.status_code in (200, 204), removed.json_body
    assert _member_ids(scim, group["id"]) == {bo["id"]}
    assert (_teams("anna@bank.example"), _teams("bo@bank.example")) == (set(), {team.pk})


def test_okta_patch_removes_a_member_by_filter_and_renames(scim: Scim) -> None:
    sales, support = TeamFactory.create(name="Sales NL"), TeamFactory.create(name="Support")
    anna, bo = scim.user("anna@bank.example"), scim.user("bo@bank.example")
    group = _group(scim, "Sales NL", anna["id"], bo["id"])

    # Okta: remove through a value filter in the path; a rename as a replace without a path.
    removed = _patch(scim, group["id"], {"op": "remove", "path": f'members[value eq "{bo["id"]}"]'})
    assert removed.status_code in (200, 204), removed.json_body
    assert _member_ids(scim, group["id"]) == {anna["id"]}
    assert _teams("bo@bank.example") == set()

    renamed = _patch(scim, group["id"], {"op": "replace", "value": {"id": group["id"], "displayName": "Support"}})
    assert renamed.status_code in (200, 204), renamed.json_body
    assert _teams("anna@bank.example") == {support.pk}
    assert DirectoryGroup.objects.get(scim_id=group["id"]).team_id == support.pk != sales.pk


def test_put_replaces_the_members(scim: Scim) -> None:
    team = TeamFactory.create(name="Support")
    anna, bo = scim.user("anna@bank.example"), scim.user("bo@bank.example")
    group = _group(scim, "Support", anna["id"])

    response = scim.call("PUT", f"/Groups/{group['id']}", {"schemas": [GROUP_SCHEMA], "displayName": "Support",
                                                           "members": [{"value": bo["id"]}]})

    assert response.status_code == 200, response.json_body
    assert [m["value"] for m in response.json_body["members"]] == [bo["id"]]
    assert (_teams("anna@bank.example"), _teams("bo@bank.example")) == (set(), {team.pk})


def test_delete_removes_the_group_and_its_memberships_but_not_an_admins(scim: Scim) -> None:
    sales, support = TeamFactory.create(name="Sales NL"), TeamFactory.create(name="Support")
    anna, bo = scim.user("anna@bank.example"), scim.user("bo@bank.example")
    group = _group(scim, "Sales NL", anna["id"], bo["id"])
    MembershipFactory.create(team=support, user=User.objects.get(email="bo@bank.example"))

    assert scim.call("DELETE", f"/Groups/{group['id']}").status_code == 204

    assert not DirectoryGroup.objects.filter(scim_id=group["id"]).exists()
    assert (_teams("anna@bank.example"), _teams("bo@bank.example")) == (set(), {support.pk})
    assert scim.call("GET", f"/Groups/{group['id']}").status_code == 404
    assert Team.objects.filter(pk=sales.pk).exists()  # the team is Relay's, never the directory's


def test_a_member_who_is_not_a_user_of_this_directory_is_400(scim: Scim, scim_b: Scim) -> None:
    TeamFactory.create(name="Sales NL")
    other = scim_b.user("olga@bank.example")
    response = scim.call("POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Sales NL",
                                             "members": [{"value": other["id"]}]})
    assert response.status_code == 400 and response.json_body["scimType"] == "invalidValue"
    assert _teams("olga@bank.example") == set()
    assert not DirectoryGroup.objects.exists()


def test_another_connection_cannot_see_or_change_a_group(scim: Scim, scim_b: Scim) -> None:
    team = TeamFactory.create(name="Sales NL")
    anna = scim.user("anna@bank.example")
    intruder = scim_b.user("ivan@bank.example")
    group = _group(scim, "Sales NL", anna["id"])
    path = f"/Groups/{group['id']}"

    assert scim_b.call("GET", path).status_code == 404
    assert _patch(scim_b, group["id"], {"op": "add", "path": "members",
                                        "value": [{"value": intruder["id"]}]}).status_code == 404
    assert scim_b.call("PUT", path, {"schemas": [GROUP_SCHEMA], "displayName": "Sales NL",
                                     "members": []}).status_code == 404
    assert scim_b.call("DELETE", path).status_code == 404
    assert scim_b.call("GET", "/Groups").json_body["totalResults"] == 0
    assert scim_b.call("GET", '/Groups?filter=displayName eq "Sales NL"').json_body["totalResults"] == 0
    assert _member_ids(scim, group["id"]) == {anna["id"]}
    assert (_teams("anna@bank.example"), _teams("ivan@bank.example")) == ({team.pk}, set())


def test_a_members_display_is_their_display_name_and_search_by_post_works(scim: Scim) -> None:
    anna = scim.user("anna@bank.example", displayName="Anna de Vries")
    bo = scim.user("bo@bank.example")
    group = _group(scim, "All staff", anna["id"], bo["id"])
    displays = {m["value"]: m.get("display") for m in group["members"]}
    assert displays == {anna["id"]: "Anna de Vries", bo["id"]: None}

    found = scim.call("POST", "/Groups/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                                  "filter": 'displayName eq "All staff"'})
    assert found.status_code == 200, found.json_body
    assert [g["id"] for g in found.json_body["Resources"]] == [group["id"]]
