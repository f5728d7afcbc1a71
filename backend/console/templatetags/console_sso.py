"""The "Sign in with …" button of the console's and the admin's sign-in pages (issue 17)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

from backend.people.oidc import oidc_enabled

register = template.Library()


@register.inclusion_tag("console/_sso.html")
def sso_sign_in(next_url: str = "") -> dict[str, Any]:
    start = reverse("console:oidc-login")
    return {
        "sso_enabled": oidc_enabled(),
        "provider_name": settings.OIDC_PROVIDER_NAME,
        "start_url": f"{start}?{urlencode({'next': next_url})}" if next_url else start,
    }


@register.simple_tag
def password_login_enabled() -> bool:
    return bool(settings.AUTH_PASSWORD_LOGIN)
