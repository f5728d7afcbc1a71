"""Role-based permission classes. Object-level visibility is decided by the domain selectors
(`*_get_for_user`), which answer 404 for what a person may not see."""
from __future__ import annotations

from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from backend.people.models import Role


class HasRole(BasePermission):
    roles: frozenset[str] = frozenset()

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role in self.roles)


class IsEditor(HasRole):
    roles = frozenset({Role.EDITOR, Role.ADMIN})


class IsAdmin(HasRole):
    roles = frozenset({Role.ADMIN})


class IsTeamWorker(HasRole):
    """Sales, support and recruitment work queues; admins may look at all of them."""

    roles = frozenset({Role.SALES, Role.SUPPORT, Role.RECRUITMENT, Role.ADMIN})


__all__ = ["HasRole", "IsAdmin", "IsAuthenticated", "IsEditor", "IsTeamWorker"]
