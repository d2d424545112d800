"""Webhook subscriptions of the key's owner: list, create, read, change, pause, resume,
rotate the secret, delete, and recent deliveries. Every write goes through
webhooks.services, the dashboard's own: the same URL rules (https, public addresses) and
messages. Anyone else's subscription is answered as if it did not exist."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Query, Router, Schema
from pydantic import Field

from webhooks import services
from webhooks.models import Subscription

from .. import access, answers, idempotency, pagination
from ..auth import WEBHOOKS_READ, WEBHOOKS_WRITE
from ..problems import Problem, invalid, null_refused
from ..schemas.webhooks import (
    DeliveryList,
    DeliveryOut,
    SubscriptionIn,
    SubscriptionList,
    SubscriptionOut,
    SubscriptionPatch,
    SubscriptionWithSecret,
)

router = Router(tags=["Webhooks"])

SUBSCRIPTION_ORDER = [pagination.descending_time("created_at"), pagination.BY_ID]
MAX_DELIVERIES = 200


class Page(Schema):
    cursor: str | None = None
    limit: int = Field(pagination.DEFAULT_LIMIT, ge=1, le=pagination.MAX_LIMIT)


class DeliveryPage(Schema):
    limit: int = Field(50, ge=1, le=MAX_DELIVERIES)


def _subscriptions(request):
    owner = access.credential(request).user
    return services.with_last_delivery(Subscription.objects.owned_by(owner))


def _subscription(request, subscription_id, *, for_update=False):
    subscriptions = _subscriptions(request)
    if for_update:
        subscriptions = subscriptions.select_for_update(of=("self",))
    return access.get_or_404(subscriptions, subscription_id, "webhook subscription")


def _writer(request):
    """The key, unless it is restricted to some clients: events carry every client's links,
    so such a key would see more through a subscription than through the API."""
    key = access.credential(request)
    if key.client_ids is not None:
        raise Problem(
            403,
            "restricted_key",
            "Forbidden",
            "A key restricted to some clients cannot manage webhook subscriptions.",
        )
    return key


def _reloaded(subscription):
    return services.with_last_delivery(Subscription.objects.all()).get(pk=subscription.pk)


def _answer(subscription, status=200, *, secret=False, **headers):
    """The subscription as read again (its last delivery too); with `secret`, the signing
    secret in the body and the ETag of what a read answers."""
    shown = SubscriptionOut.of(_reloaded(subscription))
    if not secret:
        return answers.json(shown, status, etag=True, headers=headers)
    with_secret = SubscriptionWithSecret(**shown.model_dump(), secret=subscription.secret)
    headers["ETag"] = answers.current_etag(shown)
    return answers.json(with_secret, status, headers=headers)


@router.get(
    "/webhooks",
    response={200: SubscriptionList},
    auth=WEBHOOKS_READ,
    summary="List your webhook subscriptions (newest first)",
)
def list_subscriptions(request, filters: Query[Page]):
    rows, cursor = pagination.page(
        _subscriptions(request), SUBSCRIPTION_ORDER, filters.cursor, filters.limit
    )
    return answers.json(
        SubscriptionList(items=[SubscriptionOut.of(row) for row in rows], next_cursor=cursor)
    )


@router.post(
    "/webhooks",
    response={201: SubscriptionWithSecret},
    auth=WEBHOOKS_WRITE,
    summary="Create a webhook subscription (the answer holds its secret, shown this once)",
)
def create_subscription(request, payload: SubscriptionIn):
    key = _writer(request)

    def create():
        try:
            subscription = services.create_subscription(owner=key.user, **payload.model_dump())
        except ValidationError as error:
            raise invalid(error) from None
        return _answer(
            subscription, 201, secret=True, Location=f"/api/v1/webhooks/{subscription.pk}"
        )

    return idempotency.once(request, key.id, create)


@router.get(
    "/webhooks/{uuid:subscription_id}",
    response={200: SubscriptionOut},
    auth=WEBHOOKS_READ,
    summary="Read a webhook subscription",
)
def get_subscription(request, subscription_id: UUID):
    return answers.json(SubscriptionOut.of(_subscription(request, subscription_id)), etag=True)


@router.patch(
    "/webhooks/{uuid:subscription_id}",
    response={200: SubscriptionOut},
    auth=WEBHOOKS_WRITE,
    summary="Change a webhook subscription's URL, events or description (only those sent)",
)
def update_subscription(request, subscription_id: UUID, payload: SubscriptionPatch):
    _writer(request)
    null_refused(payload, ["url", "events", "description"])
    with transaction.atomic():
        subscription = _subscription(request, subscription_id, for_update=True)
        answers.check_if_match(request, SubscriptionOut.of(subscription))
        try:
            services.update_subscription(subscription, **payload.model_dump(exclude_unset=True))
        except ValidationError as error:
            raise invalid(error) from None
    return _answer(subscription)


def _change(request, subscription_id, change):
    _writer(request)
    with transaction.atomic():
        subscription = _subscription(request, subscription_id, for_update=True)
        answers.check_if_match(request, SubscriptionOut.of(subscription))
        change(subscription)
    return subscription


@router.post(
    "/webhooks/{uuid:subscription_id}/pause",
    response={200: SubscriptionOut},
    auth=WEBHOOKS_WRITE,
    summary="Pause a webhook subscription (new events are not recorded for it)",
)
def pause_subscription(request, subscription_id: UUID):
    name = access.credential(request).name

    def pause(subscription):
        if subscription.is_active:
            services.pause_subscription(subscription, reason=f"Paused with the API key {name}.")

    return _answer(_change(request, subscription_id, pause))


@router.post(
    "/webhooks/{uuid:subscription_id}/resume",
    response={200: SubscriptionOut},
    auth=WEBHOOKS_WRITE,
    summary="Resume a webhook subscription (deliveries that waited are sent now)",
)
def resume_subscription(request, subscription_id: UUID):
    def resume(subscription):
        if not subscription.is_active:
            services.resume_subscription(subscription)

    return _answer(_change(request, subscription_id, resume))


@router.post(
    "/webhooks/{uuid:subscription_id}/rotate-secret",
    response={200: SubscriptionWithSecret},
    auth=WEBHOOKS_WRITE,
    summary="Make a new signing secret (answered this once; every delivery from now on uses it)",
)
def rotate_secret(request, subscription_id: UUID):
    return _answer(_change(request, subscription_id, services.rotate_secret), secret=True)


@router.delete(
    "/webhooks/{uuid:subscription_id}",
    response={204: None},
    auth=WEBHOOKS_WRITE,
    summary="Delete a webhook subscription with its pending and past deliveries",
)
def delete_subscription(request, subscription_id: UUID):
    _change(request, subscription_id, services.delete_subscription)
    return answers.no_content()


@router.get(
    "/webhooks/{uuid:subscription_id}/deliveries",
    response={200: DeliveryList},
    auth=WEBHOOKS_READ,
    summary="A webhook subscription's recent deliveries (newest first)",
)
def list_deliveries(request, subscription_id: UUID, filters: Query[DeliveryPage]):
    subscription = _subscription(request, subscription_id)
    deliveries = services.recent_deliveries(subscription, limit=filters.limit)
    return answers.json(DeliveryList(items=[DeliveryOut.of(d) for d in deliveries]))
