from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduler"
    default_auto_field = "django.db.models.BigAutoField"
