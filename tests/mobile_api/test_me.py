from __future__ import annotations

import pytest

from tests.factories import InterestFactory, MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"


def test_me_shows_my_own_profile(client_for) -> None:
    user = UserFactory.create(email="emma@example.test", profile={"display_name": "Emma", "language": "nl"})
    team = TeamFactory.create(name="Sales NL", kind="sales")
    MembershipFactory.create(team=team, user=user)

    body = client_for(user).get(ME).json()

    assert body["email"] == "emma@example.test"
    assert body["display_name"] == "Emma"
    assert body["language"] == "nl"
    assert body["role"] == "employee"
    assert body["is_alumni"] is False
    assert body["teams"] == [{"id": team.id, "name": "Sales NL", "kind": "sales"}]


def test_alumni_flag_follows_the_role(client_for) -> None:
    assert client_for(UserFactory.create(role="alumni")).get(ME).json()["is_alumni"] is True


def test_patch_updates_only_the_given_fields(client_for) -> None:
    InterestFactory.create(slug="mortgages")
    InterestFactory.create(slug="tech")
    user = UserFactory.create(profile={"display_name": "Emma", "location": "Utrecht"})
    client = client_for(user)

    response = client.patch(
        ME,
        {
            "interests": ["tech", "mortgages"],
            "channels": [{"channel": "linkedin", "network_size": 640}, {"channel": "whatsapp"}],
            "leaderboard_opt_in": True,
            "time_zone": "Europe/Copenhagen",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["interests"] == ["mortgages", "tech"]
    assert body["channels"] == [
        {"channel": "linkedin", "network_size": 640},
        {"channel": "whatsapp", "network_size": 0},
    ]
    assert body["leaderboard_opt_in"] is True
    assert body["time_zone"] == "Europe/Copenhagen"
    assert body["display_name"] == "Emma"
    assert body["location"] == "Utrecht"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"language": "fr"}, "language"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"channels": [{"channel": "myspace"}]}, "channels"),
        ({"channels": [{"channel": "x"}, {"channel": "x"}]}, "channels"),
        ({"channels": [{"channel": "x", "network_size": -1}]}, "channels"),
        ({"display_name": ""}, "display_name"),
        ({"interests": ["not-a-thing"]}, "interests"),
        ({"leaderboard_opt_in": "maybe"}, "leaderboard_opt_in"),
    ],
)
def test_patch_validation_errors_use_the_shared_shape_and_change_nothing(client_for, payload, field) -> None:
    user = UserFactory.create(profile={"display_name": "Emma", "language": "nl"})

    response = client_for(user).patch(ME, {**payload, "location": "Mars"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] in {"validation_error", "unknown_interest"}
    assert field in error["fields"]
    user.profile.refresh_from_db()
    assert user.profile.location == "Utrecht"
    assert user.profile.language == "nl"


def test_malformed_json_is_a_400_in_the_shared_shape(client_for) -> None:
    response = client_for(UserFactory.create()).generic("PATCH", ME, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_email_and_role_cannot_be_changed_through_me(client_for) -> None:
    user = UserFactory.create(email="emma@example.test", role="employee")

    client_for(user).patch(ME, {"email": "boss@example.test", "role": "admin"}, format="json")

    user.refresh_from_db()
    assert (user.email, user.role) == ("emma@example.test", "employee")


def test_a_channel_item_without_its_name_is_a_400_not_a_500(client_for) -> None:
    # Found by schemathesis: PATCH made the nested `channel` optional and the view crashed.
    response = client_for(UserFactory.create()).patch(ME, {"channels": [{"network_size": 5}]}, format="json")

    assert response.status_code == 400
    assert "channels" in response.json()["error"]["fields"]
