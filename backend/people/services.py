"""Write operations on people and teams. Views and the admin call these; nothing else writes."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from backend.core.errors import DomainError
from backend.core.text import text_clean
from backend.people.auth import access_token_deny, access_tokens_revoke_all
from backend.people.models import ChannelPresence, Interest, Profile, User


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
