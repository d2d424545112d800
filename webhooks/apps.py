from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import (
            checks,  # noqa: F401 - registers the deploy checks
            events,
        )
        from .models import Subscription

        uid = "webhooks.subscriptions"
        post_save.connect(events.subscription_changed, sender=Subscription, dispatch_uid=uid)
        post_delete.connect(events.subscription_changed, sender=Subscription, dispatch_uid=uid)
