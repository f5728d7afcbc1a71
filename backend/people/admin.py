from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from backend.core.throttles import LoginThrottled
from backend.people import services
from backend.people.models import ChannelPresence, Interest, Membership, Profile, Team, User
from notifications.services import live_sessions_end


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form. The limits themselves are in the authentication backend, shared
    with the API and the console; here an attempt over them becomes a form error, not a 500."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except LoginThrottled as exc:
            raise ValidationError(_("Too many attempts. Try again in %(seconds)s seconds."),
                                  code="throttled", params={"seconds": exc.wait}) from exc


# AdminSite.login_form is the documented hook for the admin's sign-in form.
admin.site.login_form = ThrottledAdminAuthenticationForm


class SessionsEndingPasswordChangeForm(AdminPasswordChangeForm):
    """A new password already revokes every token (simplejwt's revocation claim); open websockets
    are closed as well."""

    def save(self, commit: bool = True) -> Any:
        with transaction.atomic():
            user = super().save(commit=commit)
            live_sessions_end(user_id=user.pk)
        return user


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ["interests"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "role", "is_active", "is_staff", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "profile__display_name"]
    inlines = [ProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password", "role")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "role", "password1", "password2")}),)
    actions = ["deactivate"]
    change_password_form = SessionsEndingPasswordChangeForm

    @admin.action(description="Deactivate (revokes all tokens at once)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            with transaction.atomic():
                services.person_deactivate(user=user)
                live_sessions_end(user_id=user.pk)
        self.message_user(request, f"Deactivated {queryset.count()} people.", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Unticking "active" on the change form takes access away like the action does.
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.person_deactivate(user=obj)
            live_sessions_end(user_id=obj.pk)


class ChannelPresenceInline(admin.TabularInline):
    model = ChannelPresence
    extra = 0


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "language", "location", "leaderboard_opt_in"]
    list_filter = ["language", "location"]
    search_fields = ["display_name", "user__email"]
    inlines = [ChannelPresenceInline]
    filter_horizontal = ["interests"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country"]
    list_filter = ["kind", "country"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]
