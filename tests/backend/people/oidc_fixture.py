"""A real OpenID provider for the SSO tests (issue 17): npm's `oidc-provider` run by node on a free
port of 127.0.0.1 (tests/backend/people/oidc_provider.mjs), installed once into
var/tools/oidc-provider. One process per test session; where node or npm is missing the tests skip,
unless RELAY_REQUIRE_SERVICES=1 (CI), where they fail.

`OpenIdProvider.id_token()` runs the real authorization-code flow with PKCE as the mobile app does
(the provider's login form, then the code exchange at its token endpoint): the token is minted by
the provider itself."""
from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlparse

import httpx
import pytest

from tests.backend.console.browser import free_port
from tests.conftest import service_unavailable

ROOT = Path(__file__).resolve().parents[3]
TOOLS = ROOT / "var" / "tools"
PROVIDER_DIR = TOOLS / "oidc-provider"
PROVIDER_VERSION = "9.13.3"
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
APP_CLIENT = "relay-app"
APP_REDIRECT = "http://127.0.0.1/app-callback"
CONSOLE_CLIENT = "relay-console"
CONSOLE_SECRET = "console-secret-for-tests-only"


def _install() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        service_unavailable("node and npm (for the OpenID provider `oidc-provider`)")
    marker = PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json"
    if not marker.exists() or f'"version": "{PROVIDER_VERSION}"' not in marker.read_text():
        PROVIDER_DIR.mkdir(parents=True, exist_ok=True)
        installed = subprocess.run(
            [str(npm), "install", "--no-audit", "--no-fund", "--no-save", "--cache", str(TOOLS / "npm-cache"),
             f"oidc-provider@{PROVIDER_VERSION}"], cwd=PROVIDER_DIR, capture_output=True, text=True, timeout=600)
        if installed.returncode != 0:
            service_unavailable(f"oidc-provider@{PROVIDER_VERSION} from the npm registry: {installed.stderr[-300:]}")
    # Run from the install folder, so that node resolves `oidc-provider` and `jose` there.
    target = PROVIDER_DIR / SCRIPT.name
    shutil.copyfile(SCRIPT, target)
    return target


@dataclass
class OpenIdProvider:
    issuer: str

    def id_token(self, sub: str, *, nonce: str | None = None) -> str:
        """Sign in as `sub` at the provider as the app does (authorization code + PKCE, the login
        form), and return the ID token from its token endpoint."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {"response_type": "code", "client_id": APP_CLIENT, "redirect_uri": APP_REDIRECT,
                  "scope": "openid email profile", "state": secrets.token_urlsafe(16),
                  "code_challenge": challenge, "code_challenge_method": "S256"}
        if nonce is not None:
            params["nonce"] = nonce
        with httpx.Client(follow_redirects=False, timeout=10) as client:
            location = self._sign_in(client, f"{self.issuer}/auth", params, sub=sub, until=APP_REDIRECT)
            query = parse_qs(urlparse(location).query)
            assert "code" in query, location
            token = client.post(f"{self.issuer}/token", data={
                "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": APP_REDIRECT,
                "client_id": APP_CLIENT, "code_verifier": verifier})
            token.raise_for_status()
            return str(token.json()["id_token"])

    def authorize(self, url: str, *, sub: str, until: str) -> str:
        """Follow an authorization request (as a browser would) through the provider's login as
        `sub`; returns the redirect back to the client (which starts with `until`)."""
        with httpx.Client(follow_redirects=False, timeout=10) as client:
            return self._sign_in(client, url, None, sub=sub, until=until)

    @staticmethod
    def _sign_in(client: httpx.Client, url: str, params: dict[str, str] | None, *, sub: str, until: str) -> str:
        response = client.get(url, params=params)
        for _ in range(10):
            if response.status_code == 200 and "<form" in response.text:
                # The login form (any password), then the consent a native client always gets.
                action = html.unescape(re.search(r'action="([^"]+)"', response.text).group(1))  # type: ignore[union-attr]
                form = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', response.text))
                if 'name="login"' in response.text:
                    form |= {"login": sub, "password": "any"}
                response = client.post(urljoin(str(response.url), action), data=form)
                continue
            location = response.headers.get("location", "")
            assert response.is_redirect, (response.status_code, response.text[:500])
            if location.startswith(until):
                return location
            response = client.get(urljoin(str(response.url), location))
        raise AssertionError(f"no redirect to {until}")

    def rotate_keys(self) -> str:
        """A new signing key; the old one is no longer published. Returns the new `kid`."""
        return str(httpx.post(f"{self.issuer}/test/rotate", timeout=10).json()["kid"])

    def sign(self, claims: dict[str, Any]) -> str:
        """A JWT with these claims signed with the provider's current key (as if it had issued it)."""
        return str(httpx.post(f"{self.issuer}/test/sign", json={"claims": claims}, timeout=10).json()["token"])

    def jwks(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.issuer}/jwks", timeout=10).json())

    def register_console(self, *, redirect_uri: str, post_logout_redirect_uri: str) -> None:
        httpx.post(f"{self.issuer}/test/console", timeout=10, json={
            "redirect_uri": redirect_uri, "post_logout_redirect_uri": post_logout_redirect_uri}).raise_for_status()

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self.issuer, "sub": "emma-sub", "aud": APP_CLIENT, "iat": now, "exp": now + 300, **overrides}


@pytest.fixture(scope="session")
def openid_provider() -> Iterator[OpenIdProvider]:
    script = _install()
    port = free_port()
    process = subprocess.Popen(["node", script.name], cwd=script.parent, env={"PATH": "/usr/bin:/bin", "PORT": str(port)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 20
        while True:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.time() > deadline:
                output = process.stderr.read()[-500:] if process.stderr else ""
                service_unavailable(f"the OpenID provider did not start: {output}")
            time.sleep(0.05)
        yield OpenIdProvider(issuer)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def sso(settings, openid_provider: OpenIdProvider) -> OpenIdProvider:
    """Relay configured for the test provider: the console's client id, the app's as an extra audience."""
    settings.OIDC_ISSUER = openid_provider.issuer
    settings.OIDC_CLIENT_ID = CONSOLE_CLIENT
    settings.OIDC_CLIENT_SECRET = CONSOLE_SECRET
    settings.OIDC_RP_CLIENT_ID = CONSOLE_CLIENT
    settings.OIDC_RP_CLIENT_SECRET = CONSOLE_SECRET
    settings.OIDC_AUDIENCES = [APP_CLIENT]
    settings.OIDC_PROVIDER_NAME = "Test IdP"
    settings.OIDC_CLAIM_TEAM = "relay_team"
    settings.OIDC_CLAIM_LANGUAGE = "locale"
    settings.OIDC_CLAIM_LOCATION = "relay_location"
    settings.OIDC_CREATE_USERS = False
    settings.OIDC_MATCH_EMAIL = False
    return openid_provider
