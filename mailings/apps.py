from django.apps import AppConfig


class MailingsConfig(AppConfig):
    name = "mailings"
    verbose_name = "Scheduled reports"
    default_auto_field = "django.db.models.BigAutoField"
