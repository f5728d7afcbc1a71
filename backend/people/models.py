"""Employees, their profiles and teams.

A person has one role (what they may do in Relay) and may belong to several teams (which
queues they work). Alumni are former employees who keep a reduced feed and can still pass
on signals.
"""
from __future__ import annotations

import unicodedata
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    EMPLOYEE = "employee", "Employee"
    EDITOR = "editor", "Editor (marketing / communication)"
    SALES = "sales", "Sales"
    SUPPORT = "support", "Support"
    RECRUITMENT = "recruitment", "Recruitment"
    ADMIN = "admin", "Admin"
    ALUMNI = "alumni", "Alumni"


class Language(models.TextChoices):
    NL = "nl", "Nederlands"
    DA = "da", "Dansk"
    EN = "en", "English"


class SocialChannel(models.TextChoices):
    LINKEDIN = "linkedin", "LinkedIn"
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", "E-mail"
    OTHER = "other", "Other"


def email_normalize(email: str) -> str:
    """The one stored and compared form of an e-mail address: Unicode NFKC, case-folded, trimmed.
    Mail systems treat addresses case-insensitively in practice, and people type them any way, so
    `Emma@Relay.demo` must sign in (API, console, admin) as the person stored as `emma@relay.demo`."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        # Every password check (ModelBackend) looks people up here.
        return self.get(email=email_normalize(username or ""))

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=email_normalize(email), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their work e-mail address."""

    email = models.EmailField(unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EMPLOYEE, db_index=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @classmethod
    def normalize_username(cls, username: str) -> str:
        # AbstractBaseUser.clean() stores the username (the e-mail) in this form: the admin's forms too.
        return email_normalize(username)

    @property
    def is_alumni(self) -> bool:
        return self.role == Role.ALUMNI


class Interest(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=120)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    # Extra languages the person reads, for story targeting; `language` is the preferred one.
    other_languages = models.JSONField(default=list, blank=True)
    location = models.CharField(max_length=80, blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/Amsterdam")
    # When the app last signed in or refreshed its token (issue 20: the weekly digest goes to those
    # who did not open the app that week). Written on those two calls only, never on every request.
    app_seen_at = models.DateTimeField(null=True, blank=True)
    interests = models.ManyToManyField(Interest, blank=True, related_name="profiles")
    leaderboard_opt_in = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_alumni(self) -> bool:
        """The alumni flag follows the role, so the two can never disagree."""
        return self.user.is_alumni


class ChannelPresence(models.Model):
    """A social channel a person uses, with the size of their network there (for reach estimates)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="channels")
    channel = models.CharField(max_length=16, choices=SocialChannel.choices)
    network_size = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "channel"], name="uniq_profile_channel"),
        ]
        ordering = ["channel"]

    def __str__(self) -> str:
        return f"{self.channel} ({self.network_size})"


class TeamKind(models.TextChoices):
    SALES = "sales", "Sales"
    SUPPORT = "support", "Support"
    RECRUITMENT = "recruitment", "Recruitment"
    MARKETING = "marketing", "Marketing"
    OTHER = "other", "Other"


class Team(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=16, choices=TeamKind.choices, db_index=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO country code, e.g. NL or DK.")
    is_triage = models.BooleanField(
        default=False,
        help_text="Receives the signals the classifier is unsure about; its members confirm or correct them.",
    )
    members = models.ManyToManyField(User, through="Membership", related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    is_lead = models.BooleanField(default=False)
    on_duty = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="uniq_team_member")]

    def __str__(self) -> str:
        return f"user {self.user_id} in team {self.team_id}"


class ExternalIdentity(models.Model):
    """Who a person is at the OpenID Connect provider: the ID token's (`iss`, `sub`) pair, stored at
    their first sign-in (issue 17). `sub` is the provider's stable id for the person; e-mail
    addresses change and can be reassigned, so they find a person only once, when the operator allows
    it (`OIDC_MATCH_EMAIL`) and the provider vouches for the address."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.URLField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="uniq_external_identity")]
        verbose_name_plural = "external identities"

    def __str__(self) -> str:
        return f"user {self.user_id} at {self.issuer}"
