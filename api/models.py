"""API keys and remembered idempotent requests."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

# What a key may do. Reading clients, campaigns and tags comes with links:read or stats:read.
SCOPES = {
    "links:read": "Read links, clients, campaigns and tags",
    "links:write": "Create, change, deactivate and delete links",
    "stats:read": "Read figures and raw clicks (and clients, campaigns, tags)",
    "clients:write": "Create, rename and delete clients and campaigns",
    "webhooks:read": "Read your webhook subscriptions and their deliveries",
    "webhooks:write": "Create, change, pause, resume and delete your webhook subscriptions",
}


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Keys that authenticate now: not revoked, not expired, their owner active."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """A secret that lets a program act as its owner through the API, within its scopes
    and (optionally) some clients. Only the SHA-256 of the secret is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    # The visible start of the secret ("mk_" and 8 characters): how people recognise a key
    # in a list or a log, and what revoke_api_key takes.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    # False: only the clients listed (none listed, none at all: a deleted client never
    # widens a key).
    all_clients = models.BooleanField(default=True)
    clients = models.ManyToManyField(
        "links.Client", blank=True, related_name="+", db_table="api_key_clients"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        db_table = "api_keys"
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.prefix}… {self.name}"

    def state(self, now=None):
        """ "active", "revoked", "expired" or "owner inactive"."""
        now = now or timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= now:
            return "expired"
        if not self.user.is_active:
            return "owner inactive"
        return "active"


class IdempotentRequest(models.Model):
    """The first answer to a create sent with an Idempotency-Key, per key and API key."""

    id = models.BigAutoField(primary_key=True)
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    # None while the first request is still being answered.
    status = models.PositiveSmallIntegerField(null=True)
    body = models.BinaryField(default=bytes)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "api_idempotent_requests"
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="api_idempotent_key_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="api_idempotent_created_idx")]

    def __str__(self):
        return f"{self.key} ({self.status or 'running'})"
