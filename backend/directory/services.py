"""Writes of the directory app: connections and their tokens, joiners, movers and leavers as the
identity provider reports them over SCIM (issue 17), and the anonymisation of people it deleted.

The SCIM protocol (parsing, PATCH, filters, errors) is scim2-server's and lives in
`backend.directory.scim`; these services take plain values and apply the business rules.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.core.errors import Conflict, DomainError
from backend.directory.models import DirectoryConnection, DirectoryGroup, DirectoryUser
from backend.listening.services import signals_return_held
from backend.people.auth import access_tokens_revoke_all
from backend.people.models import Language, Membership, Profile, Team, User, email_normalize
from backend.people.services import display_name_clean, person_activate, person_deactivate
from notifications.services import devices_disable, live_queues_changed, live_sessions_end

ANONYMISED_DISPLAY_NAME = "Former employee"


# --- connections and tokens ----------------------------------------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token_new() -> str:
    # 256 random bits; the prefix tells a leaked one apart in a secret scanner's findings.
    return "relay_scim_" + secrets.token_urlsafe(32)


@transaction.atomic
def directory_connection_create(*, name: str, mapping: dict[str, Any] | None = None) -> tuple[DirectoryConnection, str]:
    """A new connection and its bearer token, which is returned here once and stored only hashed."""
    if DirectoryConnection.objects.filter(name=name).exists():
        raise Conflict(f"A directory connection named {name!r} exists; rotate its token instead.",
                       code="connection_exists")
    token = _token_new()
    connection = DirectoryConnection.objects.create(name=name, token_hash=token_hash(token),
                                                    **({"mapping": mapping} if mapping is not None else {}))
    return connection, token


@transaction.atomic
def directory_token_rotate(*, connection: DirectoryConnection) -> str:
    """A new token for the connection; the old one stops working at once."""
    token = _token_new()
    DirectoryConnection.objects.filter(pk=connection.pk).update(token_hash=token_hash(token),
                                                                token_rotated_at=timezone.now())
    return token


# --- people --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonFields:
    """What Relay takes from a SCIM User, already mapped (`backend.directory.scim.person_fields`).
    None means "not given": the person's current value stays."""

    email: str
    display_name: str
    active: bool
    user_name: str = ""
    external_id: str = ""
    employee_number: str = ""
    language: str | None = None
    location: str | None = None
    department: str | None = None
    password: str | None = None


def language_from_tag(tag: str | None) -> str | None:
    """`preferredLanguage` is a language tag (RFC 5646, "nl-NL", "da_DK", "en"): its primary
    subtag when Relay speaks it, else None (the person's language stays)."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in Language.values else None


def team_for_name(*, connection: DirectoryConnection, name: str | None) -> Team | None:
    """The team a department or group name stands for: the connection's explicit map first, then a
    team of that name or slug (case-insensitive). Unknown → no team."""
    if not name or not name.strip():
        return None
    slug = (connection.mapping_value("teams") or {}).get(name)
    if slug:
        return Team.objects.filter(slug=slug).first()
    name = name.strip()
    return Team.objects.filter(Q(name__iexact=name) | Q(slug__iexact=name)).order_by("pk").first()


def _directory_teams(link: DirectoryUser) -> set[int]:
    """The teams the directory puts this person in: their department's and their groups'."""
    teams = set(DirectoryGroup.objects.filter(members=link, team__isnull=False).values_list("team_id", flat=True))
    if link.department_team_id is not None:
        teams.add(link.department_team_id)
    return teams


def _memberships_sync(*, link: DirectoryUser, before: set[int]) -> bool:
    """Make the person's memberships follow the directory: join the teams it now gives, leave the
    ones it gave before and no longer does. Memberships an admin gave by hand are left alone.
    Returns whether anything changed; then the person's open websockets follow at commit."""
    after = _directory_teams(link)
    current = set(Membership.objects.filter(user_id=link.user_id).values_list("team_id", flat=True))
    joins = sorted(after - current)
    leaves = sorted((before - after) & current)
    Membership.objects.bulk_create([Membership(team_id=t, user_id=link.user_id) for t in joins], ignore_conflicts=True)
    if leaves:
        Membership.objects.filter(user_id=link.user_id, team_id__in=leaves).delete()
    if joins or leaves:
        live_queues_changed(user_id=link.user_id)
    return bool(joins or leaves)


def _email_taken(*, email: str, connection: DirectoryConnection, except_user_id: int | None = None) -> User | None:
    """The person who already has this e-mail address, or None. Raises Conflict (→ SCIM 409
    uniqueness) when it cannot be this connection's: linked elsewhere, or not to be adopted."""
    others = User.objects.filter(email=email)
    existing = (others.exclude(pk=except_user_id) if except_user_id is not None else others).first()
    if existing is None:
        return None
    linked = DirectoryUser.objects.filter(user=existing).exists()
    adoptable = (except_user_id is None and not linked and not existing.is_superuser
                 and bool(connection.mapping_value("link_existing_users")))
    if not adoptable:
        raise Conflict("userName is already taken.", code="uniqueness")
    return existing


def _user_name_taken(*, connection: DirectoryConnection, user_name: str, except_link_id: int | None = None) -> None:
    """userName is unique within a connection (RFC 7643, caseExact false) even when the e-mail
    address comes from `emails` and two userNames could share nothing else."""
    if not user_name:
        return
    same = DirectoryUser.objects.filter(connection=connection, deleted_at__isnull=True,
                                        attributes__userName__iexact=user_name)
    if (same.exclude(pk=except_link_id) if except_link_id is not None else same).exists():
        raise Conflict("userName is already taken.", code="uniqueness")


def _profile_apply(*, user: User, fields: PersonFields) -> None:
    profile, _ = Profile.objects.select_for_update().get_or_create(
        user=user, defaults={"display_name": fields.display_name}
    )
    profile.display_name = fields.display_name
    changed = ["display_name"]
    if fields.language is not None:
        profile.language, changed = fields.language, [*changed, "language"]
    if fields.location is not None:
        profile.location, changed = fields.location[:80], [*changed, "location"]
    profile.save(update_fields=changed)


def _clean(fields: PersonFields) -> PersonFields:
    email = email_normalize(fields.email)
    if "@" not in email or len(email) > 254:
        raise DomainError("userName must be an e-mail address.", code="invalid_value")
    try:
        name = display_name_clean(fields.display_name or email.split("@")[0])[:120]
    except DomainError:
        name = email.split("@")[0][:120]
    return PersonFields(**{**fields.__dict__, "email": email, "display_name": name})


@transaction.atomic
def directory_user_create(*, connection: DirectoryConnection, fields: PersonFields,
                          attributes: dict[str, Any]) -> DirectoryUser:
    """A joiner: a new person (or the unlinked person who has this e-mail address already), their
    profile and the team their department names. A `password` is set when the directory sends one;
    otherwise the person has no password and signs in through the identity provider."""
    fields = _clean(fields)
    _user_name_taken(connection=connection, user_name=fields.user_name)
    user = _email_taken(email=fields.email, connection=connection)
    if user is None:
        user = User.objects.create_user(fields.email, password=fields.password, is_active=fields.active)
    elif fields.password:
        user.set_password(fields.password)
        user.save(update_fields=["password"])
    _profile_apply(user=user, fields=fields)
    link = DirectoryUser.objects.create(
        connection=connection, user=user, external_id=fields.external_id[:255],
        employee_number=fields.employee_number[:80], attributes=attributes,
    )
    _department_apply(link=link, connection=connection, department=fields.department)
    if not fields.active and user.is_active:
        person_leave(user=user, reason="holder left")
    elif fields.active and not user.is_active:
        person_return(user=user)
    return link


def _department_apply(*, link: DirectoryUser, connection: DirectoryConnection, department: str | None) -> None:
    if not connection.mapping_value("department_to_team"):
        return
    before = _directory_teams(link)
    team = team_for_name(connection=connection, name=department)
    if team is not None and team.is_triage:
        team = None  # triage is a duty an admin gives, not a department
    if link.department_team_id != (team.pk if team else None):
        link.department_team = team
        link.save(update_fields=["department_team", "modified_at"])
    _memberships_sync(link=link, before=before)


@transaction.atomic
def directory_user_update(*, link: DirectoryUser, fields: PersonFields, attributes: dict[str, Any]) -> DirectoryUser:
    """A mover or a change of details: e-mail, profile and team follow the directory. `active`
    false is a leaver (`person_leave`), true again a returner. Takes the link's row lock."""
    link = DirectoryUser.objects.select_for_update().select_related("user", "connection").get(pk=link.pk)
    fields = _clean(fields)
    _user_name_taken(connection=link.connection, user_name=fields.user_name, except_link_id=link.pk)
    user = link.user
    if fields.email != user.email:
        _email_taken(email=fields.email, connection=link.connection, except_user_id=user.pk)
        User.objects.filter(pk=user.pk).update(email=fields.email)
    if fields.password:
        user.set_password(fields.password)  # a new password also revokes the person's tokens (simplejwt)
        user.save(update_fields=["password"])
    _profile_apply(user=user, fields=fields)
    link.external_id, link.employee_number = fields.external_id[:255], fields.employee_number[:80]
    link.attributes = attributes
    link.save(update_fields=["external_id", "employee_number", "attributes", "modified_at"])
    _department_apply(link=link, connection=link.connection, department=fields.department)
    if not fields.active and user.is_active:
        person_leave(user=user, reason="holder left")
    elif fields.active and not user.is_active and link.deleted_at is None:
        person_return(user=user)
    return link


@transaction.atomic
def person_leave(*, user: User, reason: str) -> User:
    """A leaver, at once and in one transaction: no sign-in (refresh tokens blacklisted, every
    access token refused), open websockets closed at commit (4401), the signals they had claimed
    back in their teams' queues with a history entry, no more pushes to their devices. The
    signals they submitted stay, and so does everything the teams need."""
    person_deactivate(user=user)
    access_tokens_revoke_all(user_id=user.pk)
    live_sessions_end(user_id=user.pk)
    signals_return_held(holder=user, reason=reason)
    devices_disable(user_id=user.pk, reason="the person left")
    return user


@transaction.atomic
def person_return(*, user: User) -> User:
    """`active` true again: the person may sign in anew. Old tokens stay refused."""
    return person_activate(user=user)


@transaction.atomic
def directory_user_delete(*, link: DirectoryUser) -> None:
    """The directory deleted the person: deactivated as a leaver, never deleted, so that signals
    and their history keep their submitter and holder. The link is marked deleted (the SCIM
    resource is gone from then on) and the personal data is anonymised after
    SCIM_ANONYMISE_AFTER_DAYS (`directory_people_anonymise`)."""
    link = DirectoryUser.objects.select_for_update().select_related("user").get(pk=link.pk)
    before = _directory_teams(link)
    link.groups.clear()
    link.department_team = None
    link.deleted_at = timezone.now()
    link.save(update_fields=["department_team", "deleted_at", "modified_at"])
    _memberships_sync(link=link, before=before)
    if link.user.is_active:
        person_leave(user=link.user, reason="holder left")


@transaction.atomic
def directory_people_anonymise(*, now: datetime | None = None) -> int:
    """Anonymise the people the directory deleted more than SCIM_ANONYMISE_AFTER_DAYS ago: e-mail,
    display name, location and what the directory had sent. Their signals and history stay,
    under "Former employee". Returns how many were anonymised."""
    now = now or timezone.now()
    due = list(DirectoryUser.objects.select_for_update(skip_locked=True).select_related("user").filter(
        deleted_at__lte=now - timedelta(days=settings.SCIM_ANONYMISE_AFTER_DAYS), anonymised_at__isnull=True,
    ).order_by("pk")[:500])
    for link in due:
        user = link.user
        user.email = f"deleted-{link.scim_id}@invalid.invalid"
        user.set_unusable_password()
        user.save(update_fields=["email", "password"])
        Profile.objects.filter(user=user).update(display_name=ANONYMISED_DISPLAY_NAME, location="")
        link.attributes, link.external_id, link.employee_number = {}, "", ""
        link.anonymised_at = now
        link.save(update_fields=["attributes", "external_id", "employee_number", "anonymised_at", "modified_at"])
    return len(due)


# --- groups --------------------------------------------------------------------------------------
def _members(*, connection: DirectoryConnection, member_ids: list[str]) -> list[DirectoryUser]:
    links = list(DirectoryUser.objects.filter(connection=connection, scim_id__in=member_ids, deleted_at__isnull=True))
    if len(links) != len(set(member_ids)):
        raise DomainError("A member is not a user of this directory.", code="invalid_value")
    return links


def _group_sync(*, group: DirectoryGroup, links: list[DirectoryUser]) -> None:
    """Set the group's members; everyone who joined or left moves between the team's queue now."""
    before = {link.pk: _directory_teams(link) for link in group.members.all()}
    for link in links:
        before.setdefault(link.pk, _directory_teams(link))
    group.members.set(links)
    for link in DirectoryUser.objects.filter(pk__in=sorted(before)).order_by("pk"):
        _memberships_sync(link=link, before=before[link.pk])


@transaction.atomic
def directory_group_create(*, connection: DirectoryConnection, display_name: str, external_id: str,
                           member_ids: list[str]) -> DirectoryGroup:
    """A group; it stands for the team of its name (or the connection's map), if there is one."""
    links = _members(connection=connection, member_ids=member_ids)
    team = team_for_name(connection=connection, name=display_name) if connection.mapping_value("groups_to_teams") else None
    group = DirectoryGroup.objects.create(connection=connection, display_name=display_name[:255],
                                          external_id=external_id[:255], team=team)
    _group_sync(group=group, links=links)
    return group


@transaction.atomic
def directory_group_update(*, group: DirectoryGroup, display_name: str, external_id: str,
                           member_ids: list[str]) -> DirectoryGroup:
    """Rename and/or change the members; a rename may point the group at another team."""
    group = DirectoryGroup.objects.select_for_update().select_related("connection").get(pk=group.pk)
    links = _members(connection=group.connection, member_ids=member_ids)
    old_members = list(group.members.all())
    before = {link.pk: _directory_teams(link) for link in [*old_members, *links]}
    if display_name != group.display_name and group.connection.mapping_value("groups_to_teams"):
        group.team = team_for_name(connection=group.connection, name=display_name)
    group.display_name, group.external_id = display_name[:255], external_id[:255]
    group.save(update_fields=["display_name", "external_id", "team", "modified_at"])
    group.members.set(links)
    for link in DirectoryUser.objects.filter(pk__in=sorted(before)).order_by("pk"):
        _memberships_sync(link=link, before=before[link.pk])
    return group


@transaction.atomic
def directory_group_delete(*, group: DirectoryGroup) -> None:
    """The group is gone: its members leave its team (unless another source keeps them there)."""
    members = list(group.members.all())
    before = {link.pk: _directory_teams(link) for link in members}
    group.delete()
    for link in members:
        _memberships_sync(link=link, before=before[link.pk])
