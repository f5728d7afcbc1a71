from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "backend.directory"
    label = "directory"
    verbose_name = "Directory: SCIM 2.0 provisioning from the HR directory"
