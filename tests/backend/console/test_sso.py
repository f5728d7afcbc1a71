"""Single sign-on in the console and the admin (issue 17): the authorization-code flow with state, nonce
and PKCE in headless Chromium against a real OpenID provider (npm oidc-provider on 127.0.0.1),
RP-initiated logout ending the provider's session, and AUTH_PASSWORD_LOGIN=0 in the console and
the admin."""
from __future__ import annotations

import pytest
from django.test import Client

from backend.people.models import ExternalIdentity
from tests.backend.console.browser import browser_context
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_sign_in_with_the_provider_and_log_out_of_both(bank, sso, settings, console_server, playwright, tmp_path) -> None:
    # given: Sam is known to the provider as `sam-sub`, and the console is registered there
    ExternalIdentity.objects.create(user=bank.sam, issuer=sso.issuer, subject="sam-sub")
    sso.register_console(redirect_uri=f"{console_server}/console/oidc/callback/",
                         post_logout_redirect_uri=f"{console_server}/console/login/")
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": {
        **directives, "form-action": [*directives["form-action"], sso.issuer]}}  # as settings.py does for OIDC_ISSUER
    queue = f"{console_server}/console/queues/{bank.sales_nl.pk}/"
    with browser_context(playwright, tmp_path / "sam") as context:
        page = context.new_page()
        # when: he signs in with the provider's button
        page.goto(f"{console_server}/console/login/")
        page.get_by_role("link", name="Sign in with Test IdP").click()
        page.wait_for_url(f"{sso.issuer}/interaction/**")
        page.fill('input[name="login"]', "sam-sub")
        page.fill('input[name="password"]', "any")
        page.get_by_role("button", name="Sign-in").click()
        # then: he is in the console, on his queue, with a Django session
        page.wait_for_url(queue)
        sign_out = page.locator('form[action="/console/logout/"] button')  # in Sam's language, Dutch
        assert sign_out.is_visible()

        # when: he signs out of the console
        sign_out.click()
        page.wait_for_url(f"{sso.issuer}/session/end**")
        page.get_by_role("button", name="Yes, sign me out").click()
        page.wait_for_url(f"{console_server}/console/login/")
        # then: the console's session is gone ...
        page.goto(queue)
        page.wait_for_url(f"{console_server}/console/login/**")
        # ... and the provider's too: signing in again asks for the login, not a silent sign-in
        page.get_by_role("link", name="Sign in with Test IdP").click()
        page.wait_for_url(f"{sso.issuer}/interaction/**")
        assert page.locator('input[name="login"]').is_visible()


def test_the_sign_in_page_offers_the_provider_only_when_configured(settings, sso) -> None:
    page = Client().get("/console/login/").content.decode()
    assert "Sign in with Test IdP" in page and 'href="/console/oidc/login/' in page

    settings.OIDC_ISSUER = ""
    assert "Sign in with" not in Client().get("/console/login/").content.decode()


def test_the_start_redirects_to_the_provider_with_state_nonce_and_pkce(sso) -> None:
    response = Client().get("/console/oidc/login/", {"next": "/admin/"})

    assert response.status_code == 302 and response["Location"].startswith(f"{sso.issuer}/auth?")
    for parameter in ("state=", "nonce=", "code_challenge=", "code_challenge_method=S256", "client_id=relay-console"):
        assert parameter in response["Location"]


def test_password_login_off_in_the_console(settings, sso) -> None:
    user = UserFactory.create(email="sam@relay.test")
    settings.AUTH_PASSWORD_LOGIN = False
    client = Client()

    page = client.get("/console/login/").content.decode()
    posted = client.post("/console/login/", {"username": user.email, "password": DEFAULT_PASSWORD})

    assert 'name="password"' not in page and "Sign in with Test IdP" in page
    assert posted.status_code == 403 and "_auth_user_id" not in client.session


def test_password_login_off_in_the_admin(settings, sso) -> None:
    admin = UserFactory.create(email="admin@relay.test", is_staff=True, is_superuser=True)
    client = Client()
    assert 'name="password"' in client.get("/admin/login/").content.decode()  # on: the admin's form
    settings.AUTH_PASSWORD_LOGIN = False

    page = client.get("/admin/login/").content.decode()
    client.post("/admin/login/", {"username": admin.email, "password": DEFAULT_PASSWORD, "next": "/admin/"})

    assert 'name="password"' not in page and "Sign in with Test IdP" in page
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the sign-in page


def console_sso(client: Client, sso, sub: str):
    """The console's flow without a browser: the start, the provider's login (httpx), the callback."""
    sso.register_console(redirect_uri="http://testserver/console/oidc/callback/",
                         post_logout_redirect_uri="http://testserver/console/login/")
    start = client.get("/console/oidc/login/", {"next": "/console/"})
    back = sso.authorize(start["Location"], sub=sub, until="http://testserver/")
    return client.get(back.removeprefix("http://testserver"))


def test_the_callback_signs_in_with_the_same_session_and_the_same_lookup(sso) -> None:
    user = UserFactory.create(email="sam@relay.test")
    ExternalIdentity.objects.create(user=user, issuer=sso.issuer, subject="sam-sub")
    client = Client()

    response = console_sso(client, sso, "sam-sub")

    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["_auth_user_backend"] == "backend.console.oidc.ConsoleOIDCBackend"


def test_an_unprovisioned_person_is_told_and_not_signed_in(sso) -> None:
    client = Client()

    response = console_sso(client, sso, "stranger-sub")

    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    assert "_auth_user_id" not in client.session
    assert "not set up in Relay" in client.get(response["Location"]).content.decode()
    assert not ExternalIdentity.objects.exists()


def test_a_replayed_callback_is_refused(sso) -> None:
    user = UserFactory.create(email="sam@relay.test")
    ExternalIdentity.objects.create(user=user, issuer=sso.issuer, subject="sam-sub")
    sso.register_console(redirect_uri="http://testserver/console/oidc/callback/",
                         post_logout_redirect_uri="http://testserver/console/login/")
    first = Client()
    start = first.get("/console/oidc/login/", {"next": "/console/"})
    callback = sso.authorize(start["Location"], sub="sam-sub", until="http://testserver/").removeprefix(
        "http://testserver")
    assert first.get(callback).status_code == 302 and "_auth_user_id" in first.session

    # the same state and code again, in the session that started the flow: the state was used up
    replay = first.get(callback)
    # ... and from another browser, which never had that state
    other = Client()
    stolen = other.get(callback)

    assert replay.status_code == 400
    assert stolen.status_code == 302 and "_auth_user_id" not in other.session


def test_the_admins_log_out_ends_the_providers_session_too(sso) -> None:
    admin = UserFactory.create(email="admin@relay.test", is_staff=True, is_superuser=True)
    ExternalIdentity.objects.create(user=admin, issuer=sso.issuer, subject="admin-sub")
    client = Client()
    console_sso(client, sso, "admin-sub")
    assert client.get("/admin/").status_code == 200

    response = client.post("/admin/logout/")

    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(sso.issuer) and "id_token_hint=" in end_session
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
