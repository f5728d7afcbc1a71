"""The router's model versions: the live one, and each retrain that was promoted, refused or rolled back."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from backend.console.access import ConsoleRequest, console_view
from backend.listening import selectors
from backend.people.models import Role

MODEL_ROLES = (Role.ADMIN, Role.SUPPORT, Role.SALES, Role.RECRUITMENT)


@console_view(roles=MODEL_ROLES)
def model_versions(request: ConsoleRequest) -> HttpResponse:
    return render(request, "console/models.html", selectors.nlp_model_versions())
