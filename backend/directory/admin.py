from django.contrib import admin

from backend.directory.models import DirectoryConnection, DirectoryGroup


@admin.register(DirectoryConnection)
class DirectoryConnectionAdmin(admin.ModelAdmin):
    # The token is made and rotated by `manage.py directory_connection_create`, shown once there.
    list_display = ["name", "active", "created_at", "token_rotated_at"]
    fields = ["name", "active", "mapping"]


@admin.register(DirectoryGroup)
class DirectoryGroupAdmin(admin.ModelAdmin):
    list_display = ["display_name", "connection", "team"]
    list_filter = ["connection", "team"]
    fields = ["team"]  # the directory owns the rest; an admin may point a group at another team
