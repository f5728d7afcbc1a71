from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "backend.console"
    label = "console"
    verbose_name = "Web console"

    def ready(self) -> None:
        from django.contrib import admin

        # Issue 17: the admin's sign-in page gets the console's "Sign in with …" button (a public
        # attribute of AdminSite; the admin's own template comes first in the app template order).
        admin.site.login_template = "console/admin_login.html"
