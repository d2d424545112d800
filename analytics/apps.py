from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.backends.signals import connection_created

        from analytics.reports.sqlite import add_functions
        from analytics.verdicts import bots

        from . import checks  # noqa: F401 - registers the deploy checks

        # The quick start's SQLite file gets the functions the reports call.
        connection_created.connect(add_functions, dispatch_uid="analytics.reports.sqlite")
        setting_changed.connect(bots.reread_knobs, dispatch_uid="analytics.verdicts.bots")
