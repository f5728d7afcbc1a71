"""The first sign-ins of one new person through the identity provider, at the same instant, with
just-in-time creation on (issue 17): one person is created, and every sign-in gets that person."""
from __future__ import annotations

import pytest

from backend.people.models import ExternalIdentity, User
from backend.people.services import person_for_oidc_claims
from tests.backend.listening.test_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLAIMS = {"iss": "https://idp.bank.example", "sub": "new-person-sub", "email": "New.Person@bank.example",
          "email_verified": True, "name": "New Person"}


def test_parallel_first_sign_ins_create_one_person_and_all_get_them(settings) -> None:
    settings.OIDC_CREATE_USERS = True

    results = race([lambda: person_for_oidc_claims(claims=dict(CLAIMS)) for _ in range(4)])

    assert all(isinstance(r, User) for r in results), results
    person = User.objects.get(email="new.person@bank.example")
    assert {r.pk for r in results} == {person.pk}
    assert list(ExternalIdentity.objects.values_list("user_id", "subject")) == [(person.pk, "new-person-sub")]
