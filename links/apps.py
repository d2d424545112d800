from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "links"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.models.signals import post_delete, post_save

        from . import fast_redirect, resolver
        from .models import Link

        # A saved or deleted link leaves every worker's lookup cache, whoever saved it.
        post_save.connect(resolver.link_saved, sender=Link, dispatch_uid="links.resolver")
        post_delete.connect(resolver.link_saved, sender=Link, dispatch_uid="links.resolver")
        setting_changed.connect(fast_redirect.settings_changed, dispatch_uid="links.fast_redirect")
