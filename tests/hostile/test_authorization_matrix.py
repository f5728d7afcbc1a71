"""Authorization matrix: every endpoint of the mobile API × every role × own/other object.

The endpoint list is not written by hand: it is read from the URL resolver (and checked against the
OpenAPI schema), so a new endpoint without a row in MATRIX fails `test_every_endpoint_has_a_row`.

Each row is one (method, route, object) and the exact status each role gets. Objects a person may
not see answer 404, never 403; 403 is only for a role that may not use an endpoint at all (then
the answer does not depend on which object is named, so nothing leaks). Every request runs in a
savepoint that is rolled back, so one role's claim or withdrawal cannot change what the next one
gets, and the people and objects are built once for the whole module.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from backend.people import services as people_services
from backend.people.models import User
from backend.sharing.models import GuidelinesAcceptance
from notifications.models import Device, Notification
from tests.factories import (
    CampaignFactory,
    GuidelinesFactory,
    MembershipFactory,
    RoutingRuleFactory,
    ShareFactory,
    SignalFactory,
    StoryDraftFactory,
    StoryFactory,
    StoryTargetFactory,
    TeamFactory,
    UserFactory,
)

ROLES = ("employee", "alumni", "editor", "sales", "support", "recruitment", "admin", "anonymous", "deactivated")
_: None = None  # not applicable: this role has no such object (e.g. the queue of a team it is not in)
SIGNED_IN = tuple(r for r in ROLES if r != "anonymous")

# --------------------------------------------------------------------------------------------------
# The matrix. Objects: own = mine; other = a colleague's (or a team I am not in); team = a signal
# routed to my team / my team's queue; for_me / not_for_me = a story whose audience includes me or
# not; "-" = the endpoint names no object, or (editor-only endpoints) any object.
# --------------------------------------------------------------------------------------------------
MATRIX: list[tuple[str, str, str, tuple[int | None, ...]]] = [
    # method  route                                         object         emp  alu  edi  sal  sup  rec  adm  ano  dea
    ("GET",    "api/v1/schema/",                             "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("POST",   "api/v1/auth/token/",                         "own",        (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("POST",   "api/v1/auth/token/refresh/",                 "own",        (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    # issue 17: no token of ours counts here; SSO is off in this world (tests/mobile_api/test_auth_oidc.py has the rest)
    ("POST",   "api/v1/auth/oidc/",                          "-",          (404, 404, 404, 404, 404, 404, 404, 404, 404)),
    ("POST",   "api/v1/auth/logout/",                        "own",        (205, 205, 205, 205, 205, 205, 205, 401, 401)),
    ("POST",   "api/v1/auth/logout/",                        "other",      (400, 400, 400, 400, 400, 400, 400, 401, 401)),
    ("GET",    "api/v1/me/",                                 "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("PATCH",  "api/v1/me/",                                 "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    # listening
    ("POST",   "api/v1/signals/",                            "-",          (201, 201, 201, 201, 201, 201, 201, 401, 401)),
    ("GET",    "api/v1/signals/mine/",                       "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET",    "api/v1/signals/figures/",                    "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("POST",   "api/v1/signals/preview/",                    "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET",    "api/v1/signals/<int:pk>/",                   "own",        (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET",    "api/v1/signals/<int:pk>/",                   "team",       (_,   _,   200, 200, 200, 200, _,   _,   _)),
    ("GET",    "api/v1/signals/<int:pk>/",                   "other",      (404, 404, 404, 404, 404, 404, 200, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/claim/",             "own",        (404, 404, 404, 404, 404, 404, 200, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/claim/",             "team",       (_,   _,   200, 200, 200, 200, _,   _,   _)),
    ("POST",   "api/v1/signals/<int:pk>/claim/",             "other",      (404, 404, 404, 404, 404, 404, 200, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/transitions/",       "own",        (404, 404, 404, 404, 404, 404, 200, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/transitions/",       "team",       (_,   _,   200, 200, 200, 200, _,   _,   _)),
    ("POST",   "api/v1/signals/<int:pk>/transitions/",       "other",      (404, 404, 404, 404, 404, 404, 200, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/notes/",             "own",        (404, 404, 404, 404, 404, 404, 201, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/notes/",             "team",       (_,   _,   201, 201, 201, 201, _,   _,   _)),
    ("POST",   "api/v1/signals/<int:pk>/notes/",             "other",      (404, 404, 404, 404, 404, 404, 201, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/reroute/",           "own",        (404, 404, 404, 404, 404, 404, 200, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/reroute/",           "team",       (_,   _,   200, 200, 200, 200, _,   _,   _)),
    ("POST",   "api/v1/signals/<int:pk>/reroute/",           "other",      (404, 404, 404, 404, 404, 404, 200, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/withdraw/",          "own",        (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/withdraw/",          "team",       (_,   _,   404, 404, 404, 404, _,   _,   _)),
    ("POST",   "api/v1/signals/<int:pk>/withdraw/",          "other",      (404, 404, 404, 404, 404, 404, 404, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/contact/",           "own",        (201, 201, 201, 201, 201, 201, 201, 401, 401)),
    ("POST",   "api/v1/signals/<int:pk>/contact/",           "team",       (_,   _,   404, 404, 404, 404, _,   _,   _)),
    ("POST",   "api/v1/signals/<int:pk>/contact/",           "other",      (404, 404, 404, 404, 404, 404, 404, 401, 401)),
    ("GET",    "api/v1/queues/",                             "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET",    "api/v1/queues/<int:pk>/signals/",            "team",       (_,   _,   200, 200, 200, 200, _,   _,   _)),
    ("GET",    "api/v1/queues/<int:pk>/signals/",            "other",      (404, 404, 404, 404, 404, 404, 200, 401, 401)),
    # notifications
    ("POST",   "api/v1/devices/",                            "-",          (201, 201, 201, 201, 201, 201, 201, 401, 401)),
    ("DELETE", "api/v1/devices/",                            "own",        (204, 204, 204, 204, 204, 204, 204, 401, 401)),
    ("DELETE", "api/v1/devices/",                            "other",      (404, 404, 404, 404, 404, 404, 404, 401, 401)),
    ("DELETE", "api/v1/devices/<int:pk>/",                   "own",        (204, 204, 204, 204, 204, 204, 204, 401, 401)),
    ("DELETE", "api/v1/devices/<int:pk>/",                   "other",      (404, 404, 404, 404, 404, 404, 404, 401, 401)),
    ("GET",    "api/v1/notifications/",                      "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("POST",   "api/v1/notifications/read-all/",             "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET",    "api/v1/notifications/preferences/",          "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("PATCH",  "api/v1/notifications/preferences/",          "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("POST",   "api/v1/notifications/<int:pk>/read/",        "own",        (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("POST",   "api/v1/notifications/<int:pk>/read/",        "other",      (404, 404, 404, 404, 404, 404, 404, 401, 401)),
    ("POST",   "api/v1/ws-ticket/",                          "-",          (201, 201, 201, 201, 201, 201, 201, 401, 401)),
    # sharing: reading and sharing
    ("GET",    "api/v1/feed/",                               "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET",    "api/v1/stories/<int:pk>/",                   "for_me",     (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET",    "api/v1/stories/<int:pk>/",                   "not_for_me", (404, 404, 200, 404, 404, 404, 200, 401, 401)),
    ("POST",   "api/v1/stories/<int:pk>/shares/",            "for_me",     (201, 201, 201, 201, 201, 201, 201, 401, 401)),
    ("POST",   "api/v1/stories/<int:pk>/shares/",            "not_for_me", (404, 404, 201, 404, 404, 404, 201, 401, 401)),
    ("POST",   "api/v1/stories/<int:pk>/reactions/",         "for_me",     (201, 201, 201, 201, 201, 201, 201, 401, 401)),
    ("POST",   "api/v1/stories/<int:pk>/reactions/",         "not_for_me", (404, 404, 201, 404, 404, 404, 201, 401, 401)),
    ("GET",    "api/v1/guidelines/",                         "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("POST",   "api/v1/guidelines/accept/",                  "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET",    "api/v1/me/figures/",                         "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET",    "api/v1/leaderboard/",                        "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    # sharing: drafts (authors; editors review)
    ("GET",    "api/v1/drafts/",                             "-",          (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("POST",   "api/v1/drafts/",                             "-",          (201, 201, 201, 201, 201, 201, 201, 401, 401)),
    ("GET",    "api/v1/drafts/<int:pk>/",                    "own",        (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("GET",    "api/v1/drafts/<int:pk>/",                    "other",      (404, 404, 200, 404, 404, 404, 200, 401, 401)),
    ("PATCH",  "api/v1/drafts/<int:pk>/",                    "own",        (200, 200, 200, 200, 200, 200, 200, 401, 401)),
    ("PATCH",  "api/v1/drafts/<int:pk>/",                    "other",      (404, 404, 404, 404, 404, 404, 404, 401, 401)),
    ("POST",   "api/v1/drafts/<int:pk>/review/",             "own",        (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("POST",   "api/v1/drafts/<int:pk>/review/",             "other",      (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    # sharing: editors only
    ("GET",    "api/v1/stories/",                            "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("POST",   "api/v1/stories/",                            "-",          (403, 403, 201, 403, 403, 403, 201, 401, 401)),
    ("PATCH",  "api/v1/stories/<int:pk>/",                   "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("POST",   "api/v1/stories/<int:pk>/schedule/",          "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("POST",   "api/v1/stories/<int:pk>/archive/",           "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("GET",    "api/v1/campaigns/",                          "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("POST",   "api/v1/campaigns/",                          "-",          (403, 403, 201, 403, 403, 403, 201, 401, 401)),
    ("GET",    "api/v1/campaigns/<int:pk>/",                 "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("PATCH",  "api/v1/campaigns/<int:pk>/",                 "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("POST",   "api/v1/campaigns/<int:pk>/archive/",         "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("GET",    "api/v1/figures/sharing/",                    "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    ("GET",    "api/v1/figures/sharing/export/",             "-",          (403, 403, 200, 403, 403, 403, 200, 401, 401)),
    # the tracked link: public by design (whoever got the link may follow it); a token changes nothing
    ("GET",    "s/<code>",                                   "known",      (302, 302, 302, 302, 302, 302, 302, 302, 302)),
    ("GET",    "s/<code>",                                   "unknown",    (404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Uploaded images: public by unguessable name, like the tracked link; a missing name is a 404.
    ("GET",    "media/<path>",                               "known",      (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("GET",    "media/<path>",                               "unknown",    (404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Status events from a CRM (issue 18): the connection's signature is the only credential; a
    # bearer token of any role changes nothing (unsigned: 401; unknown connection: 404).
    ("POST",   "api/v1/integrations/<slug:connection_key>/events/", "known",   (401, 401, 401, 401, 401, 401, 401, 401, 401)),
    ("POST",   "api/v1/integrations/<slug:connection_key>/events/", "unknown", (404, 404, 404, 404, 404, 404, 404, 404, 404)),
]


# --------------------------------------------------------------------------------------------------
# The world: people in every role and their objects, built once per module.
# --------------------------------------------------------------------------------------------------
@dataclass
class World:
    users: dict[str, User]
    bystander: User  # an employee whose objects are "other" for everyone
    tokens: dict[str, tuple[str, str]]  # role -> (access, refresh), minted before deactivation
    signal: dict[tuple[str, str], int]  # (role, own|team|other) -> id
    queue: dict[tuple[str, str], int]  # (role, team|other) -> team id
    notification: dict[str, int]  # role or "other" -> id
    draft: dict[str, int]
    device_token: dict[str, str]
    story: dict[str, int]  # for_me, not_for_me, editable
    campaign: int
    share_code: str
    guidelines_version: str
    bystander_refresh: str
    extra: dict[str, Any] = field(default_factory=dict)


# The team each worker role belongs to, and the kind of signal that team handles.
WORK = {"editor": ("marketing", "feedback"), "sales": ("sales", "lead"), "support": ("support", "complaint"),
        "recruitment": ("recruitment", "referral")}
FIRST_STEP = {"feedback": "acknowledged", "lead": "claimed", "complaint": "acknowledged", "referral": "screening"}


def _build_world() -> World:
    teams = {
        "sales": TeamFactory.create(name="Sales NL", slug="m-sales-nl", kind="sales"),
        "support": TeamFactory.create(name="Support", slug="m-support", kind="support"),
        "recruitment": TeamFactory.create(name="Recruitment", slug="m-recruitment", kind="recruitment"),
        "marketing": TeamFactory.create(name="Marketing", slug="m-marketing", kind="marketing"),
        # A team none of the role users is in: where "own" and "other" signals are routed.
        "product": TeamFactory.create(name="Product", slug="m-product", kind="other"),
        "triage": TeamFactory.create(name="Triage", slug="m-triage", kind="other", is_triage=True),
    }
    for kind, team in (("lead", "sales"), ("friend_discount", "sales"), ("complaint", "support"),
                       ("referral", "recruitment"), ("feedback", "marketing")):
        RoutingRuleFactory.create(priority=90, kind=kind, team=teams[team])
    users = {role: UserFactory.create(email=f"{role}@matrix.test", role=role, profile={"language": "nl"})
             for role in ("employee", "alumni", "editor", "sales", "support", "recruitment", "admin")}
    users["deactivated"] = UserFactory.create(email="gone@matrix.test", role="employee", profile={"language": "nl"})
    bystander = UserFactory.create(email="bea@matrix.test", role="employee", profile={"language": "nl"})
    for role, (team, _kind) in WORK.items():
        MembershipFactory.create(team=teams[team], user=users[role])

    signal: dict[tuple[str, str], int] = {}
    queue: dict[tuple[str, str], int] = {}
    notification: dict[str, int] = {}
    draft: dict[str, int] = {}
    device_token: dict[str, str] = {}
    guidelines = GuidelinesFactory.create(version="2026-m1")
    for role, user in [*users.items(), ("other", bystander)]:
        if role != "other":
            signal[(role, "own")] = SignalFactory.create(submitter=user, kind="feedback", team=teams["product"]).id
            signal[(role, "other")] = SignalFactory.create(submitter=bystander, kind="feedback", team=teams["product"]).id
            queue[(role, "other")] = teams["product"].id
        notification[role] = Notification.objects.create(user=user, type="signal.status", category="my_signals",
                                                         title="Your signal was picked up").id
        draft[role] = StoryDraftFactory.create(author=user).id
        device_token[role] = f"fcm-token-{role}-" + "x" * 40
        Device.objects.create(user=user, token=device_token[role], platform="android")
        GuidelinesAcceptance.objects.create(user=user, guidelines=guidelines)
    for role, (team, kind) in WORK.items():
        signal[(role, "team")] = SignalFactory.create(submitter=bystander, kind=kind, team=teams[team]).id
        queue[(role, "team")] = teams[team].id

    for_me = StoryFactory.create(for_alumni=True)
    not_for_me = StoryFactory.create(for_alumni=True)
    StoryTargetFactory.create(story=not_for_me, dimension="location", value="Atlantis")
    editable = StoryFactory.create(state="draft", published_at=None)
    share = ShareFactory.create(story=for_me, user=bystander, code="matrix01")

    tokens = {}
    for role, user in users.items():
        refresh = RefreshToken.for_user(user)
        tokens[role] = (str(refresh.access_token), str(refresh))
    people_services.person_deactivate(user=users["deactivated"])
    return World(
        users=users, bystander=bystander, tokens=tokens, signal=signal, queue=queue, notification=notification,
        draft=draft, device_token=device_token,
        story={"for_me": for_me.id, "not_for_me": not_for_me.id, "editable": editable.id},
        campaign=CampaignFactory.create(owner=users["editor"]).id, share_code=share.code,
        guidelines_version=guidelines.version, bystander_refresh=str(RefreshToken.for_user(bystander)),
        extra={"triage": teams["triage"].id},
    )


def fast_hashing() -> override_settings:
    return override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once inside a transaction that is rolled back when the module is done."""
    with django_db_blocker.unblock(), fast_hashing():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --------------------------------------------------------------------------------------------------
# What each row sends: the URL (with the object's id) and the body, per role.
# --------------------------------------------------------------------------------------------------
Request = tuple[str, dict[str, Any] | None]  # (path, json body)


def _signal_body(suffix: str, kind: str) -> dict[str, Any] | None:
    bodies: dict[str, dict[str, Any]] = {
        "transitions/": {"to": FIRST_STEP[kind]},
        "notes/": {"text": "called back, no answer"},
        "reroute/": {"kind": "complaint" if kind != "complaint" else "feedback"},
        "contact/": {"contact": {"phone": "0612345678"}, "contact_consent": True},
    }
    return bodies.get(suffix)


def build_request(w: World, method: str, route: str, obj: str, role: str) -> Request:
    user = w.users.get(role)
    if route.startswith("api/v1/signals/<int:pk>/"):
        suffix = route.removeprefix("api/v1/signals/<int:pk>/")
        kind = WORK[role][1] if obj == "team" else "feedback"
        # Anonymous has no objects of its own: it names someone's signal.
        pk = w.signal[(role if role != "anonymous" else "employee", obj)]
        return f"/api/v1/signals/{pk}/{suffix}", _signal_body(suffix, kind)
    if route == "api/v1/queues/<int:pk>/signals/":
        return f"/api/v1/queues/{w.queue[(role if role != 'anonymous' else 'employee', obj)]}/signals/", None
    if route == "api/v1/devices/<int:pk>/":
        token = w.device_token["other" if obj == "other" or role == "anonymous" else role]
        return f"/api/v1/devices/{Device.objects.get(token=token).pk}/", None
    if route == "api/v1/notifications/<int:pk>/read/":
        return f"/api/v1/notifications/{w.notification['other' if obj == 'other' else _owner(role)]}/read/", None
    if route.startswith("api/v1/drafts/<int:pk>/"):
        pk = w.draft["other" if obj == "other" else _owner(role)]
        body = {"title": "A better title"} if method == "PATCH" else (
            {"decision": "approve"} if route.endswith("review/") else None)
        return f"/api/v1/drafts/{pk}/{route.removeprefix('api/v1/drafts/<int:pk>/')}", body
    if route.startswith("api/v1/stories/<int:pk>/"):
        pk = w.story[obj if obj != "-" else "editable"]
        suffix = route.removeprefix("api/v1/stories/<int:pk>/")
        body = {"shares/": {"channel": "linkedin", "message": f"Proud of this one, says our {role}."},
                "reactions/": {"kind": "like"}, "schedule/": {}}.get(suffix)
        if method == "PATCH":
            body = {"title": "A sharper title"}
        return f"/api/v1/stories/{pk}/{suffix}", body
    if route.startswith("api/v1/campaigns/<int:pk>/"):
        body = {"name": "Spring, renamed"} if method == "PATCH" else None
        return f"/api/v1/campaigns/{w.campaign}/{route.removeprefix('api/v1/campaigns/<int:pk>/')}", body
    if route == "s/<code>":
        return f"/s/{w.share_code if obj == 'known' else 'zzzz9999'}", None
    if route == "api/v1/integrations/<slug:connection_key>/events/":
        from backend.integrations.models import Connection

        if obj == "known" and not Connection.objects.filter(key="matrix-crm").exists():
            Connection.objects.create(key="matrix-crm", team=TeamFactory.create(), name="CRM",
                                      secret="whsec_" + "A" * 43 + "=")
        return ("/api/v1/integrations/matrix-crm/events/" if obj == "known" else "/api/v1/integrations/nobody/events/",
                {"type": "lead.won", "signal_id": 1})
    if route == "media/<path>":
        return f"/media/{_matrix_media_file() if obj == 'known' else 'stories/no-such-image.jpg'}", None
    bodies: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
        ("POST", "api/v1/auth/token/"): lambda: {
            "email": user.email if user else "nobody@matrix.test",
            "password": "correct-horse-battery-staple"},
        ("POST", "api/v1/auth/oidc/"): lambda: {"id_token": "a.b.c"},
        ("POST", "api/v1/auth/token/refresh/"): lambda: {
            "refresh": w.tokens[role][1] if role in w.tokens else "not-a-token"},
        ("POST", "api/v1/auth/logout/"): lambda: {
            "refresh": w.bystander_refresh if obj == "other" or role == "anonymous" else w.tokens[role][1]},
        ("PATCH", "api/v1/me/"): lambda: {"display_name": "Renamed"},
        ("POST", "api/v1/signals/"): lambda: {"text": "Mijn buurman wil zijn hypotheek oversluiten, bel hem"},
        ("POST", "api/v1/signals/preview/"): lambda: {"text": "Mijn buurman wil zijn hypotheek oversluiten"},
        ("POST", "api/v1/devices/"): lambda: {"token": f"new-fcm-token-{role}-" + "y" * 30, "platform": "ios"},
        ("DELETE", "api/v1/devices/"): lambda: {
            "token": w.device_token["other" if obj == "other" or role == "anonymous" else role]},
        ("PATCH", "api/v1/notifications/preferences/"): lambda: {"push": {"new_stories": False}},
        ("POST", "api/v1/guidelines/accept/"): lambda: {"version": w.guidelines_version},
        ("POST", "api/v1/drafts/"): lambda: {"title": "Our football club", "text": "We sponsored the club.",
                                             "language": "nl"},
        ("POST", "api/v1/stories/"): lambda: {"title": "New branch", "url": "https://bank.example/branch",
                                              "language": "nl"},
        ("POST", "api/v1/campaigns/"): lambda: {"name": "Autumn", "goal": "reach"},
    }
    make = bodies.get((method, route))
    return "/" + route, make() if make else None


def _owner(role: str) -> str:
    return role if role != "anonymous" else "employee"


def client_for_role(w: World, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {w.tokens[role][0]}")
    return client


def status_of(w: World, method: str, route: str, obj: str, role: str) -> int:
    path, body = build_request(w, method, route, obj, role)
    client = client_for_role(w, role)
    with transaction.atomic():
        response = client.generic(method, path, data="" if body is None else json.dumps(body),
                                  content_type="application/json")
        transaction.set_rollback(True)  # the next role sees the world as it was
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "route", "obj", "expected"), MATRIX,
                         ids=[f"{m} /{r} [{o}]" for m, r, o, _e in MATRIX])
def test_matrix(world, method, route, obj, expected) -> None:
    with fast_hashing():
        got = tuple(None if want is None else status_of(world, method, route, obj, role)
                    for role, want in zip(ROLES, expected, strict=True))

    wrong = {role: f"expected {want}, got {status}"
             for role, want, status in zip(ROLES, expected, got, strict=True) if want != status}
    assert not wrong, f"{method} /{route} [{obj}]: {wrong}"


# --------------------------------------------------------------------------------------------------
# The matrix covers every endpoint: read from the resolver and from the OpenAPI schema.
# --------------------------------------------------------------------------------------------------
METHODS = ("get", "post", "put", "patch", "delete")


def _walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p


def _matrix_media_file() -> str:
    """A file in MEDIA_ROOT, as an upload leaves it (the name is what the app gets in a URL)."""
    from django.conf import settings

    name = "matrix/relay-matrix-test.jpg"
    path = settings.MEDIA_ROOT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg, served as stored")
    return name


def mobile_api_endpoints() -> set[tuple[str, str]]:
    """(METHOD, route) of every view the mobile API serves: /api/v1/… and the views it owns elsewhere."""
    found = set()
    for route, pattern in _walk(get_resolver().url_patterns):
        module = getattr(pattern.callback, "__module__", "")
        if not module.startswith(("mobile_api", "drf_spectacular")) or "docs" in route or "redoc" in route:
            continue
        view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
        if view_class is None:  # a function view (the tracked link): GET (and HEAD)
            methods = {"GET"}
            route = route.replace("^", "").replace("(?P<code>[A-Za-z0-9]{6,16})$", "<code>")
            route = route.replace("(?P<path>.+)$", "<path>")
        else:
            methods = {m.upper() for m in METHODS if hasattr(view_class, m)}
        if route in ("healthz", "readyz"):
            continue  # liveness probes, not part of the API (no auth by design)
        if route == "metrics":
            continue  # a scraper's, by token or network, never a person's role: tests/mobile_api/test_metrics_endpoint.py
        found |= {(m, route) for m in methods}
    return found


def test_every_endpoint_has_a_row() -> None:
    rows = {(m, r) for m, r, _o, _e in MATRIX}
    served = mobile_api_endpoints()

    assert served - rows == set(), "endpoints without an authorization matrix row"
    assert rows - served == set(), "matrix rows for endpoints that no longer exist"


def test_the_schema_has_no_endpoint_the_resolver_missed() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {(m.upper(), path.lstrip("/").replace("{id}", "<int:pk>")
                       .replace("{connection_key}", "<slug:connection_key>"))
                  for path, ops in schema["paths"].items() for m in ops if m in METHODS}

    assert documented - mobile_api_endpoints() == set()


def test_every_row_names_each_role_once() -> None:
    for method, route, obj, expected in MATRIX:
        assert len(expected) == len(ROLES), (method, route, obj)
    assert len({(m, r, o) for m, r, o, _e in MATRIX}) == len(MATRIX), "a row appears twice"


# --------------------------------------------------------------------------------------------------
# Lists answer 200 to everyone signed in; what they hold must be mine (or meant for me).
# --------------------------------------------------------------------------------------------------
def _ids(response: Any) -> set[int]:
    body = response.json()
    return {item["id"] for item in (body["results"] if isinstance(body, dict) else body)}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in SIGNED_IN if r != "deactivated"])
def test_lists_hold_only_what_is_mine_or_meant_for_me(world, role) -> None:
    client = client_for_role(world, role)
    w = world
    editor = role in ("editor", "admin")

    inbox = _ids(client.get("/api/v1/notifications/"))
    drafts = _ids(client.get("/api/v1/drafts/"))
    mine = _ids(client.get("/api/v1/signals/mine/"))
    queues = _ids(client.get("/api/v1/queues/"))
    feed = _ids(client.get("/api/v1/feed/"))

    assert inbox == {w.notification[role]}
    assert (w.draft["other"] in drafts) is editor and w.draft[role] in drafts
    assert mine == {w.signal[(role, "own")]}
    if role == "admin":
        assert w.queue[(role, "other")] in queues
    else:
        assert queues == ({w.queue[(role, "team")]} if role in WORK else set())
    assert w.story["for_me"] in feed and w.story["not_for_me"] not in feed


# --------------------------------------------------------------------------------------------------
# The Django admin (issue 15): only staff get in; a role, a JWT or a deactivated account does not.
# Roles as above, plus `staff` (is_staff, no permissions) and `superuser`. 302 = to the admin's login.
# The websocket's matrix is in test_authorization_matrix_websocket.py: it needs committed data (a
# real server on its own connection), which this module's rolled-back world cannot give it.
# --------------------------------------------------------------------------------------------------
ADMIN_ROLES = (*ROLES, "staff", "superuser")
ADMIN_MATRIX = [
    ("/admin/",                          (302, 302, 302, 302, 302, 302, 302, 302, 302, 200, 200)),
    ("/admin/people/user/",              (302, 302, 302, 302, 302, 302, 302, 302, 302, 403, 200)),
    ("/admin/listening/signal/",         (302, 302, 302, 302, 302, 302, 302, 302, 302, 403, 200)),
    ("/admin/notifications/device/",     (302, 302, 302, 302, 302, 302, 302, 302, 302, 403, 200)),
    ("/admin/sharing/story/",            (302, 302, 302, 302, 302, 302, 302, 302, 302, 403, 200)),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "expected"), ADMIN_MATRIX, ids=[p for p, _e in ADMIN_MATRIX])
def test_admin_matrix(world, path, expected) -> None:
    from django.test import Client

    people = {**world.users,
              "staff": UserFactory.create(email="staff@matrix.test", is_staff=True),
              "superuser": UserFactory.create(email="root@matrix.test", is_staff=True, is_superuser=True)}
    got = []
    for role in ADMIN_ROLES:
        client = Client()
        if role in world.tokens:  # a JWT is no way into the admin
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role][0]}"
        if role != "anonymous":
            client.force_login(people[role])  # the deactivated one's session is refused by the backend
        got.append(client.get(path).status_code)

    wrong = {role: f"expected {want}, got {status}"
             for role, want, status in zip(ADMIN_ROLES, expected, got, strict=True) if want != status}
    assert not wrong, f"{path}: {wrong}"

