"""Connections through which a company's identity provider (Entra ID, Okta, ...) provisions people
and groups over SCIM 2.0 (RFC 7643/7644, issue 17), and the links between what the directory knows
and Relay's people and teams.

The directory is the source of truth for who works here: a person it creates, changes or
deactivates is created, changed or deactivated in Relay (`backend.directory.services`). What the
directory sent is kept as it was sent (`attributes`) so that a GET answers with it, while the
fields Relay uses (e-mail, display name, language, location, team) are copied onto the person.
"""
from __future__ import annotations

import uuid
from typing import Any

from django.db import models

from backend.people.models import Team, User


def mapping_default() -> dict[str, Any]:
    """How SCIM attributes map onto people and teams, per connection (docs/scim.md).

    `teams`: a department or group display name → a team slug, checked before matching team names
    and slugs. `email_from`: "userName" or "emails" (the primary one). `link_existing_users`: a
    userName that is already a Relay person (made before the
    directory was connected) links to that person instead of answering 409; never an admin.
    """
    return {"email_from": "userName", "department_to_team": True, "groups_to_teams": True, "teams": {},
            "link_existing_users": True}


class DirectoryConnection(models.Model):
    """One identity provider's provisioning client. Its bearer token is shown once and stored as a
    SHA-256 hash: the token is 256 random bits, so a fast hash is enough and lets a request find
    its connection by an indexed lookup."""

    name = models.CharField(max_length=80, unique=True, help_text="e.g. Entra ID (production tenant)")
    token_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    mapping = models.JSONField(default=mapping_default, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    token_rotated_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name  # never the token hash

    def mapping_value(self, key: str) -> Any:
        return {**mapping_default(), **(self.mapping or {})}[key]


class DirectoryUser(models.Model):
    """A person as one connection provisioned them. Never deleted with the directory's DELETE: the
    person is deactivated, `deleted_at` is set, and the personal data is anonymised later."""

    connection = models.ForeignKey(DirectoryConnection, on_delete=models.CASCADE, related_name="users")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="directory_links")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=255, blank=True)
    employee_number = models.CharField(max_length=80, blank=True)
    # The SCIM resource as the directory last sent it (without id, meta and password).
    attributes = models.JSONField(default=dict)
    # The team the enterprise `department` put the person in, so a change of department moves them.
    department_team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], name="uniq_directory_user"),
        ]
        indexes = [
            models.Index(fields=["connection", "external_id"], name="directory_user_extid_idx"),
            models.Index(fields=["deleted_at", "anonymised_at"], name="directory_user_deleted_idx"),
        ]

    def __str__(self) -> str:
        return f"directory user {self.scim_id} (user {self.user_id})"  # never the e-mail


class DirectoryGroup(models.Model):
    """A directory group; when it maps to a team, its members are that team's members."""

    connection = models.ForeignKey(DirectoryConnection, on_delete=models.CASCADE, related_name="groups")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="directory_groups")
    members = models.ManyToManyField(DirectoryUser, blank=True, related_name="groups")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["connection", "display_name"], name="directory_group_name_idx")]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.scim_id})"
