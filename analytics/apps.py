from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AnalyticsConfig(AppConfig):
    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from analytics.reports.sqlite import add_functions

        from . import checks  # noqa: F401 - registers the deploy checks

        connection_created.connect(add_functions, dispatch_uid="analytics.reports.sqlite")
