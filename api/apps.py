from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Public API"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import keys
        from .models import ApiKey

        post_save.connect(keys.key_changed, sender=ApiKey, dispatch_uid="api.keys.key")
        post_delete.connect(keys.key_changed, sender=ApiKey, dispatch_uid="api.keys.key")
        m2m_changed.connect(
            keys.clients_changed, sender=ApiKey.clients.through, dispatch_uid="api.keys.clients"
        )
        # An owner made inactive, or given another role or other clients, changes their keys.
        owner = get_user_model()
        post_save.connect(keys.key_changed, sender=owner, dispatch_uid="api.keys.owner")
        m2m_changed.connect(
            keys.clients_changed,
            sender=owner.clients.through,
            dispatch_uid="api.keys.owner_clients",
        )
