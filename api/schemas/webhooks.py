"""Webhook subscriptions and their deliveries."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from webhooks.models import Delivery, Subscription
from webhooks.services import EVENT_NAMES

from .common import Out, Strict

_EVENTS_HELP = f"Event names: {', '.join(EVENT_NAMES)}; at least one."


class LastDelivery(Out):
    status: str = Field(description="pending, delivered or failed (given up).")
    status_code: int | None = Field(description="The receiver's last HTTP status, if any.")
    attempts: int
    error: str
    created_at: datetime


class SubscriptionOut(Out):
    id: UUID
    url: str
    description: str
    events: list[str]
    status: Literal["active", "paused"]
    paused_at: datetime | None
    pause_reason: str = Field(description="Why it was paused (by its owner, or after failing).")
    secret_hint: str = Field(description="The start of the signing secret, to tell two apart.")
    last_delivery: LastDelivery | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: Subscription):
        """`subscription` as annotated by webhooks.services.with_last_delivery."""
        last = None
        if subscription.last_delivery_status is not None:
            last = LastDelivery(
                status=subscription.last_delivery_status,
                status_code=subscription.last_delivery_code,
                attempts=subscription.last_delivery_attempts,
                error=subscription.last_delivery_error,
                created_at=subscription.last_delivery_at,
            )
        return cls(
            id=subscription.pk,
            url=subscription.url,
            description=subscription.description,
            events=subscription.events,
            status=subscription.status,
            paused_at=subscription.paused_at,
            pause_reason=subscription.pause_reason,
            secret_hint=subscription.secret_hint,
            last_delivery=last,
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
        )


class SubscriptionWithSecret(SubscriptionOut):
    secret: str = Field(
        description="The signing secret, answered only by create and rotate-secret: keep it."
    )


class SubscriptionIn(Strict):
    url: str = Field(description="Where to POST events: https, a public address.")
    events: list[str] = Field(description=_EVENTS_HELP)
    description: str = ""


class SubscriptionPatch(Strict):
    """Only the fields sent change."""

    url: str | None = None
    events: list[str] | None = Field(None, description=_EVENTS_HELP)
    description: str | None = None


class SubscriptionList(Out):
    items: list[SubscriptionOut]
    next_cursor: str | None


class DeliveryOut(Out):
    id: UUID = Field(description="The Macondo-Delivery header, the same on every attempt.")
    event_id: UUID
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, delivery: Delivery):
        return cls(
            id=delivery.pk,
            event_id=delivery.event_id,
            event_type=delivery.event.type,
            status=delivery.status,
            attempts=delivery.attempts,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            last_attempt_at=delivery.last_attempt_at,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


class DeliveryList(Out):
    items: list[DeliveryOut] = Field(description="Newest first.")
