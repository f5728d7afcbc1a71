from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from backend.people import services
from backend.people.models import ChannelPresence, Interest, Membership, Profile, Team, User


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

    @admin.action(description="Deactivate (revokes all tokens at once)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.person_deactivate(user=user)
        self.message_user(request, f"Deactivated {queryset.count()} people.", messages.SUCCESS)


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
