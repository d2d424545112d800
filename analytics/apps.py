from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AnalyticsConfig(AppConfig):
    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deploy checks
        from .sqlite import add_functions

        connection_created.connect(add_functions, dispatch_uid="analytics.sqlite")
