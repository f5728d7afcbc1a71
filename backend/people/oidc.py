"""OpenID Connect ID tokens: the one check for every way in (the app's `POST /api/v1/auth/oidc/`, the
console's and the admin's sign-in). Issue 17; the threat list is in docs/security.md.

The provider's discovery document and its keys (JWKS) live in Django's cache, so every web process
shares one copy and none goes stale on its own: a `kid` that the cached keys do not have refetches
them once (the provider rotated its keys), and at most once per `OIDC_JWKS_REFETCH_SECONDS` across
all processes, so tokens with random kids cannot make Relay hammer the provider.

The signature is checked by PyJWT against the key with the token's `kid`, and only with the
asymmetric algorithms of `OIDC_ALGORITHMS`: `none` and HS* are refused before any key is looked at
(the classic attack signs HS256 with the provider's public key as the HMAC secret).
"""
from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from backend.core.errors import DomainError

logger = logging.getLogger(__name__)


class OidcNotConfigured(DomainError):
    status_code = 404
    code = "sso_not_configured"

    def __init__(self) -> None:
        super().__init__(_("Single sign-on is not configured on this server."))


class OidcProviderUnavailable(DomainError):
    status_code = 503
    code = "sso_provider_unavailable"

    def __init__(self) -> None:
        super().__init__(_("The identity provider cannot be reached; please retry shortly."))


class OidcTokenRejected(DomainError):
    """401 `invalid_token`; `reason` (in the error body, and in `fields.id_token`) says which check failed."""

    status_code = 401
    code = "invalid_token"

    def __init__(self, reason: str) -> None:
        super().__init__(_("The identity provider's token was not accepted."), extra={"reason": reason},
                         fields={"id_token": [reason]})
        self.reason = reason


def _key(kind: str) -> str:
    # Per issuer: changing OIDC_ISSUER never reads the old provider's keys.
    return f"oidc:{kind}:{hashlib.sha256(settings.OIDC_ISSUER.encode()).hexdigest()[:16]}"


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=settings.OIDC_HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("identity provider unavailable: %s from %s", type(exc).__name__, url)
        raise OidcProviderUnavailable() from exc
    if not isinstance(document, dict):
        raise OidcProviderUnavailable()
    return document


def _cached(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - Redis down: ask the provider itself (slower, still correct)
        logger.warning("cache unavailable; reading the identity provider's document uncached")
        return None


def _cache(key: str, value: Any) -> None:
    try:
        cache.set(key, value, timeout=settings.OIDC_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 - Redis down: the next request fetches again
        logger.warning("cache unavailable; the identity provider's document is not kept")


def oidc_enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def oidc_discovery() -> dict[str, Any]:
    """The provider's `/.well-known/openid-configuration`, from the shared cache."""
    if not oidc_enabled():
        raise OidcNotConfigured()
    key = _key("discovery")
    document: dict[str, Any] | None = _cached(key)
    if document is None:
        document = _get_json(f"{settings.OIDC_ISSUER}/.well-known/openid-configuration")
        if document.get("issuer", "").rstrip("/") != settings.OIDC_ISSUER or not document.get("jwks_uri"):
            # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
            logger.error("the discovery document does not name OIDC_ISSUER as its issuer; SSO refused")
            raise OidcProviderUnavailable()
        _cache(key, document)
    return document


def _jwks(*, refetch: bool = False) -> dict[str, Any]:
    key = _key("jwks")
    keys: dict[str, Any] | None = None if refetch else _cached(key)
    if keys is None:
        keys = _get_json(oidc_discovery()["jwks_uri"])
        _cache(key, keys)
    return keys


def _signing_key(kid: str | None, alg: str) -> Any:
    """The public key for this `kid` (refetching the key set once when it is unknown)."""

    def find(jwks: dict[str, Any]) -> jwt.PyJWK | None:
        candidates = [k for k in jwks.get("keys", []) if isinstance(k, dict) and k.get("use", "sig") == "sig"]
        if kid is not None:
            candidates = [k for k in candidates if k.get("kid") == kid]
        elif len(candidates) != 1:  # no kid: only a provider with one key may leave it out
            return None
        for candidate in candidates:
            try:
                return jwt.PyJWK(candidate, algorithm=alg)
            except jwt.PyJWTError:
                continue
        return None

    found = find(_jwks())
    if found is None and _refetch_allowed():
        found = find(_jwks(refetch=True))
    if found is None:
        raise OidcTokenRejected("unknown_key")
    return found.key


def _refetch_allowed() -> bool:
    """At most one refetch per interval across all processes (the cache's atomic add)."""
    try:
        return bool(cache.add(_key("jwks-refetch"), 1, timeout=settings.OIDC_JWKS_REFETCH_SECONDS))
    except Exception:  # noqa: BLE001 - Redis down: no limit to share, so no refetch on a stranger's kid
        return False


_REASONS: list[tuple[type[Exception], str]] = [
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidIssuedAtError, "not_yet_valid"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.InvalidAlgorithmError, "alg_not_allowed"),
]


def oidc_id_token_verify(*, id_token: str, nonce: str | None = None) -> dict[str, Any]:
    """The ID token's claims once every check passed, else `OidcTokenRejected` with the reason.

    `nonce`: what the client put in its authorization request; the token must carry the same. A
    token's nonce is accepted once: it is remembered in the cache until the token expires, so a
    captured token cannot be replayed while it is valid (reason `nonce_replayed`).
    """
    if not oidc_enabled():
        raise OidcNotConfigured()
    try:
        header = jwt.get_unverified_header(id_token)
        unverified = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise OidcTokenRejected("malformed") from exc
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in settings.OIDC_ALGORITHMS:
        raise OidcTokenRejected("alg_not_allowed")
    # Before any key lookup: another issuer's token must not trigger a refetch of our provider's keys.
    if str(unverified.get("iss", "")).rstrip("/") != settings.OIDC_ISSUER:
        raise OidcTokenRejected("wrong_issuer")
    kid = header.get("kid")
    key = _signing_key(kid if isinstance(kid, str) else None, alg)
    audiences = [settings.OIDC_CLIENT_ID, *settings.OIDC_AUDIENCES]
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token, key=key, algorithms=[alg], audience=audiences, issuer=unverified["iss"],
            leeway=settings.OIDC_LEEWAY_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"], "verify_iat": True},
        )
    except jwt.PyJWTError as exc:
        reason = next((r for cls, r in _REASONS if isinstance(exc, cls)), "bad_signature")
        raise OidcTokenRejected(reason) from exc
    if claims["iat"] > time.time() + settings.OIDC_LEEWAY_SECONDS:
        raise OidcTokenRejected("not_yet_valid")
    # OIDC Core §3.1.3.7: with several audiences, the party it was issued to (azp) must be ours.
    if "azp" in claims and claims["azp"] not in audiences:
        raise OidcTokenRejected("wrong_audience")
    token_nonce = claims.get("nonce")
    if nonce is not None and token_nonce != nonce:
        raise OidcTokenRejected("nonce_mismatch")
    if token_nonce is not None:
        _nonce_use_once(claims)
    return claims


def _nonce_use_once(claims: dict[str, Any]) -> None:
    seen = hashlib.sha256(f"{claims['iss']}|{claims['aud']}|{claims['nonce']}".encode()).hexdigest()[:32]
    until_expiry = int(claims["exp"] - time.time()) + settings.OIDC_LEEWAY_SECONDS + 1
    try:
        first_use = cache.add(f"oidc:nonce:{seen}", 1, timeout=max(1, until_expiry))
    except Exception as exc:  # Redis down: fail closed, a replay check that cannot run lets nothing through
        logger.warning("nonce store unavailable; ID token sign-in refused for now")
        raise DomainError(_("The service is briefly unavailable; please retry shortly."),
                          code="service_unavailable", status_code=503) from exc
    if not first_use:
        raise OidcTokenRejected("nonce_replayed")
