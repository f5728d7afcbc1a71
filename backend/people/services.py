"""Write operations on people and teams. Views and the admin call these; nothing else writes."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from backend.core.errors import DomainError
from backend.core.text import text_clean
from backend.people.auth import access_token_deny, access_tokens_revoke_all
from backend.people.models import (
    ChannelPresence,
    ExternalIdentity,
    Interest,
    Language,
    Membership,
    Profile,
    Team,
    User,
    email_normalize,
)


def display_name_clean(name: str) -> str:
    """A display name as signal text is cleaned (no bidi overrides, no zero-width or control
    characters), on one line with single spaces: a name is read beside actions on a person, so it
    must read the same on every screen."""
    cleaned = " ".join(text_clean(name).split())
    if not cleaned:
        raise DomainError("A display name needs visible characters.", code="validation_error",
                          fields={"display_name": ["This field may not be blank."]})
    return cleaned


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str | None = None,
    language: str | None = None,
    other_languages: list[str] | None = None,
    location: str | None = None,
    time_zone: str | None = None,
    interests: Iterable[str] | None = None,
    channels: list[dict[str, Any]] | None = None,
    leaderboard_opt_in: bool | None = None,
) -> Profile:
    """Update one's own profile. `interests` are slugs; `channels` replace the whole set.

    Only the arguments given change, so a PATCH of one field leaves the others alone.
    """
    profile = Profile.objects.select_for_update().get(user=user)
    if display_name is not None:
        display_name = display_name_clean(display_name)
    changed: list[str] = []
    for name, value in (
        ("display_name", display_name),
        ("language", language),
        ("other_languages", other_languages),
        ("location", location),
        ("time_zone", time_zone),
        ("leaderboard_opt_in", leaderboard_opt_in),
    ):
        if value is not None:
            setattr(profile, name, value)
            changed.append(name)
    if changed:
        profile.save(update_fields=changed)

    if interests is not None:
        slugs = sorted(set(interests))
        found = list(Interest.objects.filter(slug__in=slugs))
        unknown = sorted(set(slugs) - {i.slug for i in found})
        if unknown:
            raise DomainError(
                _("Unknown interests."), code="unknown_interest",
                fields={"interests": [_("Unknown: %(unknown)s") % {"unknown": ", ".join(unknown)}]},
            )
        profile.interests.set(found)

    if channels is not None:
        ChannelPresence.objects.filter(profile=profile).delete()
        ChannelPresence.objects.bulk_create(
            ChannelPresence(profile=profile, channel=c["channel"], network_size=c.get("network_size", 0))
            for c in channels
        )
    return profile


def profile_app_seen(*, user_id: int, now: datetime | None = None) -> None:
    """The app signed in or refreshed its token: the person opened it. One UPDATE on those two calls
    (an access token lives minutes, so an open app refreshes), never one per request."""
    Profile.objects.filter(user_id=user_id).update(app_seen_at=now or timezone.now())


@transaction.atomic
def person_deactivate(*, user: User) -> User:
    """Take away all access at once: the next request with any of the person's tokens is refused.

    Access tokens are checked against `is_active` on every request; refresh tokens are
    blacklisted here so they cannot mint new access tokens if the person is reactivated.
    """
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    _refresh_tokens_blacklist(user=user)
    return user


def _refresh_tokens_blacklist(*, user: User) -> None:
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=t) for t in outstanding], ignore_conflicts=True
    )


@transaction.atomic
def person_sign_out_everywhere(*, user: User) -> None:
    """Log out on every device: every refresh token is blacklisted and every access token issued
    until now is refused (`backend.people.auth`). The caller closes the open websockets."""
    _refresh_tokens_blacklist(user=user)
    access_tokens_revoke_all(user_id=user.pk)


def access_token_logout(*, user: User, access: Token, refresh: str) -> None:
    """Log out on this device: its refresh token is blacklisted and its access token refused (by `jti`)
    until it expires. Raises DomainError when the refresh token is not valid or not the person's."""
    try:
        token = RefreshToken(refresh)  # type: ignore[arg-type]  # simplejwt-stubs say Token; it takes the encoded str
    except TokenError as exc:
        raise DomainError(str(exc), code="token_not_valid") from exc
    if str(token.payload.get("user_id")) != str(user.pk):
        raise DomainError("This refresh token is not yours.", code="token_not_valid")
    token.blacklist()
    access_token_deny(token=access)


@transaction.atomic
def person_activate(*, user: User) -> User:
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    return user


class NotProvisioned(DomainError):
    status_code = 403
    code = "not_provisioned"

    def __init__(self) -> None:
        super().__init__(_("Your account is not set up in Relay yet. Ask your administrator."))


class AccountInactive(DomainError):
    # 401, as the refresh endpoint answers a deactivated person's refresh token.
    status_code = 401
    code = "account_inactive"

    def __init__(self) -> None:
        super().__init__(_("This account is not active."))


def _claim_text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name) if name else None
    if isinstance(value, list):  # groups-like claims: the first one names the team
        value = value[0] if value else None
    return value.strip() if isinstance(value, str) else ""


@transaction.atomic
def person_for_oidc_claims(*, claims: dict[str, Any]) -> User:
    """The person a verified ID token (`backend.people.oidc.oidc_id_token_verify`) stands for; the
    one lookup for the app, the console and the admin (issue 17).

    By (`iss`, `sub`) stored at the first sign-in. Else, when `OIDC_MATCH_EMAIL` is on and the
    provider says `email_verified: true`, the person with that e-mail address who is not yet linked
    at this provider, whose (`iss`, `sub`) is stored from now on. Else, with `OIDC_CREATE_USERS`, a
    new employee with the team, language and location of the configured claims. Else `NotProvisioned` (403). A deactivated person:
    `AccountInactive` (401), whichever way they were found.
    """
    issuer, subject = str(claims["iss"]).rstrip("/"), str(claims["sub"])
    identity = ExternalIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is not None:
        user = identity.user
    else:
        email = email_normalize(claims["email"]) if isinstance(claims.get("email"), str) else ""
        verified = claims.get("email_verified") is True
        user_or_none = None
        if email and verified and settings.OIDC_MATCH_EMAIL:
            # Only a person not yet linked at this provider: an address reassigned to a newcomer
            # there must not hand them the account of the person it was linked to before.
            user_or_none = User.objects.filter(email=email).exclude(external_identities__issuer=issuer).first()
        if user_or_none is None and email and settings.OIDC_CREATE_USERS:
            if User.objects.filter(email=email).exists():
                # Someone already has this address but was not matched to this identity (matching
                # is off, or the address is not verified): never a second account, never a takeover.
                raise NotProvisioned()
            try:
                with transaction.atomic():
                    user_or_none = _person_create_from_claims(claims=claims, email=email)
            except IntegrityError:
                # A parallel first sign-in created the person first; its transaction stored the
                # identity with them, so it is the same person. Anyone else's address: not theirs.
                identity = ExternalIdentity.objects.select_related("user").filter(
                    issuer=issuer, subject=subject).first()
                if identity is None:
                    raise NotProvisioned() from None
                user_or_none = identity.user
        if user_or_none is None:
            raise NotProvisioned()
        user = user_or_none
        try:
            with transaction.atomic():
                ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        except IntegrityError:  # a parallel first sign-in stored it first: the same person
            user = ExternalIdentity.objects.select_related("user").get(issuer=issuer, subject=subject).user
    if not user.is_active:
        raise AccountInactive()
    return user


def _person_create_from_claims(*, claims: dict[str, Any], email: str) -> User:
    user = User.objects.create_user(email)  # no usable password: this person signs in with the provider
    language = _claim_text(claims, settings.OIDC_CLAIM_LANGUAGE).replace("_", "-").split("-")[0].lower()
    name = _claim_text(claims, "name") or email.split("@")[0]
    Profile.objects.create(
        user=user, display_name=display_name_clean(name[:120]),
        language=language if language in Language.values else Language.EN,
        location=_claim_text(claims, settings.OIDC_CLAIM_LOCATION)[:80],
    )
    team_name = _claim_text(claims, settings.OIDC_CLAIM_TEAM)
    if team_name:
        team = Team.objects.filter(slug=team_name.lower()).first() or Team.objects.filter(
            name__iexact=team_name).first()
        if team is not None:
            Membership.objects.create(team=team, user=user)
    return user
