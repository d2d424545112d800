"""Webhook subscriptions, the events recorded for them (the outbox) and every attempt.

An event is written in the same transaction as the change it describes, with one Delivery
row per subscription that wants it; the `deliver_webhooks` worker sends due deliveries
and logs each try as an Attempt. Nothing here references a link: an event outlives it.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

LINK_CREATED = "link.created"
LINK_UPDATED = "link.updated"
LINK_DELETED = "link.deleted"
CLICKS_RECORDED = "clicks.recorded"
EVENT_TYPES = [
    (LINK_CREATED, "A link was created"),
    (LINK_UPDATED, "A link was edited, deactivated or reactivated"),
    (LINK_DELETED, "A link was deleted"),
    (CLICKS_RECORDED, "Clicks were recorded (in batches)"),
]

SECRET_PREFIX = "whsec_"  # noqa: S105 - a label in front of each secret, not one


def new_secret():
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class SubscriptionQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

    def receiving(self, event_type=None):
        """Subscriptions that get new events (of `event_type`, when given): active ones
        of owners whose role still allows webhooks. Event types are filtered in Python (a JSON list
        is not searchable the same way on SQLite and PostgreSQL; there are few rows)."""
        from accounts import policy

        found = self.filter(
            status=Subscription.Status.ACTIVE,
            owner__in=policy.people_who_may("webhooks").values("pk"),
        )
        if event_type is None:
            return found
        return [s for s in found if event_type in s.events]


class Subscription(models.Model):
    """Where to send which events. Table `webhook_subscriptions`."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.TextField()
    description = models.CharField(max_length=200, blank=True, default="")
    events = models.JSONField(default=list)
    # Needed in clear to sign each delivery (HMAC); shown to its owner only.
    secret = models.CharField(max_length=100, default=new_secret)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True, default="")
    # Failed attempts in a row (any delivery) and when the first of them happened: the
    # pause rule reads both; any success resets them.
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        db_table = "webhook_subscriptions"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="webhook_subs_owner_idx")]

    def __str__(self):
        return self.description or self.url

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def secret_hint(self):
        """Enough of the secret to tell two apart, not enough to sign."""
        return f"{self.secret[: len(SECRET_PREFIX) + 4]}…"


class Event(models.Model):
    """Something that happened, as sent: `body` is the exact JSON every delivery of it
    posts (and signs), so retries send the same bytes. Table `webhook_events`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40, choices=EVENT_TYPES)
    occurred_at = models.DateTimeField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "webhook_events"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.type} {self.id}"


class Delivery(models.Model):
    """One event for one subscription: the outbox row the worker sends until it succeeds
    or gives up. Its id is the `Macondo-Delivery` header, the same on every attempt, so a
    receiver can drop a repeat. Table `webhook_deliveries`."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When a pending delivery is next due. A worker that claims it moves this forward by
    # its lease, so a worker that dies mid-send leaves it due again later.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "webhook_deliveries"
        ordering = ["-created_at"]
        indexes = [
            # The worker's question: which pending deliveries are due?
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_deliveries_due_idx",
                condition=Q(status="pending"),
            ),
            # A subscription's page: its newest deliveries.
            models.Index(fields=["subscription", "-created_at"], name="webhook_deliveries_sub_idx"),
        ]

    def __str__(self):
        return f"{self.event.type} → {self.subscription_id} ({self.status})"


class Attempt(models.Model):
    """One POST of a delivery: what came back, or why nothing did. Table `webhook_attempts`."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # The start of the receiver's answer, for its owner to debug with (capped).
    response_excerpt = models.TextField(blank=True, default="")

    class Meta:
        db_table = "webhook_attempts"
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.delivery_id} @ {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300
