"""A small bank for the listening tests: teams, routing rules and people in every role (fixture `bank`)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.people.models import Team, User
from tests.factories import MembershipFactory, RoutingRuleFactory, TeamFactory, UserFactory


@dataclass
class Bank:
    sales_nl: Team
    sales_dk: Team
    support: Team
    recruitment: Team
    marketing: Team
    triage: Team
    emma: User  # employee, nl
    lars: User  # employee, da
    sam: User  # sales NL
    pieter: User  # sales NL, team lead
    rasmus: User  # sales DK
    sofie: User  # support
    rita: User  # recruitment
    mark: User  # editor, marketing
    olga: User  # alumni
    admin: User
    triager: User


@pytest.fixture
def bank(db) -> Bank:
    sales_nl = TeamFactory.create(name="Sales NL", slug="sales-nl", kind="sales", country="NL")
    sales_dk = TeamFactory.create(name="Sales DK", slug="sales-dk", kind="sales", country="DK")
    support = TeamFactory.create(name="Support", slug="support", kind="support", country="")
    recruitment = TeamFactory.create(name="Recruitment", slug="recruitment", kind="recruitment", country="")
    marketing = TeamFactory.create(name="Marketing", slug="marketing", kind="marketing", country="")
    triage = TeamFactory.create(name="Triage", slug="triage", kind="other", country="", is_triage=True)
    RoutingRuleFactory.create(priority=10, kind="lead", language="da", team=sales_dk)
    RoutingRuleFactory.create(priority=90, kind="lead", team=sales_nl)
    RoutingRuleFactory.create(priority=10, kind="friend_discount", language="da", team=sales_dk)
    RoutingRuleFactory.create(priority=90, kind="friend_discount", team=sales_nl)
    RoutingRuleFactory.create(priority=90, kind="complaint", team=support)
    RoutingRuleFactory.create(priority=90, kind="referral", team=recruitment)
    RoutingRuleFactory.create(priority=90, kind="feedback", team=marketing)

    def person(email: str, role: str, language: str, *teams: Team, lead: bool = False) -> User:
        user = UserFactory.create(email=email, role=role, profile={"display_name": email.split("@")[0].title(),
                                                            "language": language})
        for team in teams:
            MembershipFactory.create(team=team, user=user, is_lead=lead)
        return user

    return Bank(
        sales_nl=sales_nl, sales_dk=sales_dk, support=support, recruitment=recruitment,
        marketing=marketing, triage=triage,
        emma=person("emma@bank.test", "employee", "nl"),
        lars=person("lars@bank.test", "employee", "da"),
        sam=person("sam@bank.test", "sales", "nl", sales_nl),
        pieter=person("pieter@bank.test", "sales", "nl", sales_nl, lead=True),
        rasmus=person("rasmus@bank.test", "sales", "da", sales_dk),
        sofie=person("sofie@bank.test", "support", "da", support),
        rita=person("rita@bank.test", "recruitment", "nl", recruitment),
        mark=person("mark@bank.test", "editor", "nl", marketing),
        olga=person("olga@bank.test", "alumni", "da"),
        admin=person("admin@bank.test", "admin", "en"),
        triager=person("tina@bank.test", "support", "nl", triage),
    )
