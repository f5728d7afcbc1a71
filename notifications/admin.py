from django.contrib import admin

from notifications.models import Device, Notification


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "platform", "app_version", "active", "last_seen_at"]
    list_filter = ["platform", "active"]
    search_fields = ["user__email"]
    readonly_fields = ["token"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "category", "push_state", "attempts", "created_at", "read_at"]
    list_filter = ["push_state", "category", "type"]
    search_fields = ["user__email"]
