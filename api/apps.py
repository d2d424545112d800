from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Public API"

    def ready(self):
        from . import keys  # noqa: F401  (connects the signals that keep key caches honest)
