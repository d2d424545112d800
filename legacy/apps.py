from django.apps import AppConfig


class LegacyConfig(AppConfig):
    """The one-way bridge from the old Node/Prisma database into every app's tables."""

    name = "legacy"
    verbose_name = "Legacy import"
