"""Managing webhook subscriptions: the one writer the dashboard (and an API) calls.

Each function raises ValidationError keyed by field for bad input and never saves half.
Subscriptions are their owner's: callers look them up with
`Subscription.objects.owned_by(user)` and answer 404 for anyone else's.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from . import events as webhook_events
from .models import EVENT_TYPES, Delivery, Subscription, new_secret
from .targets import Refused, check_url

EVENT_NAMES = [name for name, _label in EVENT_TYPES]
MAX_DESCRIPTION = Subscription._meta.get_field("description").max_length


def clean_url(url):
    try:
        return check_url(url)
    except Refused as refusal:
        raise ValidationError({"url": str(refusal)}) from None


def clean_events(names):
    if isinstance(names, str):
        names = [names]
    chosen = set(names or ())
    unknown = sorted(chosen - set(EVENT_NAMES))
    if unknown:
        raise ValidationError(
            {"events": f"Unknown event {', '.join(unknown)}; choose from {', '.join(EVENT_NAMES)}."}
        )
    if not chosen:
        raise ValidationError({"events": "Choose at least one event."})
    return [name for name in EVENT_NAMES if name in chosen]


def clean_description(text):
    text = " ".join((text or "").split())
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(
            {"description": f"The description is longer than {MAX_DESCRIPTION} characters."}
        )
    return text


def clean_fields(**fields):
    """The given fields cleaned, or one ValidationError naming every bad one."""
    cleaners = {"url": clean_url, "events": clean_events, "description": clean_description}
    cleaned, errors = {}, {}
    for name, value in fields.items():
        try:
            cleaned[name] = cleaners[name](value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_subscription(*, owner, url, events, description=""):
    """A new active subscription with a fresh secret (read it from `.secret`)."""
    cleaned = clean_fields(url=url, events=events, description=description)
    return Subscription.objects.create(owner=owner, **cleaned)


def update_subscription(subscription, *, url=None, events=None, description=None):
    """Change the target, the events or the description (only those given)."""
    given = {"url": url, "events": events, "description": description}
    cleaned = clean_fields(**{name: value for name, value in given.items() if value is not None})
    for name, value in cleaned.items():
        setattr(subscription, name, value)
    subscription.save(update_fields=[*cleaned, "updated_at"])
    return subscription


def pause_subscription(subscription, *, reason):
    """Stop sending: new events are not recorded for it, pending deliveries wait."""
    subscription.status = Subscription.Status.PAUSED
    subscription.paused_at = timezone.now()
    subscription.pause_reason = reason
    subscription.save(update_fields=["status", "paused_at", "pause_reason", "updated_at"])
    return subscription


@transaction.atomic
def resume_subscription(subscription):
    """Send again, starting with the deliveries that waited (each gets one attempt now;
    one older than the retry window is given up if that attempt fails)."""
    subscription.status = Subscription.Status.ACTIVE
    subscription.paused_at = None
    subscription.pause_reason = ""
    subscription.consecutive_failures = 0
    subscription.failing_since = None
    subscription.save()
    subscription.deliveries.filter(status=Delivery.Status.PENDING).update(
        next_attempt_at=timezone.now()
    )
    transaction.on_commit(webhook_events.wake)
    return subscription


def rotate_secret(subscription):
    """A new secret; every delivery from now on, retries included, is signed with it."""
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret", "updated_at"])
    return subscription


def delete_subscription(subscription):
    """Delete it with its pending and past deliveries."""
    subscription.delete()


def with_last_delivery(subscriptions):
    """Annotate each subscription with its newest delivery's status, code, attempts, error and time
    (one query for the whole list)."""
    newest = Delivery.objects.filter(subscription=OuterRef("pk")).order_by("-created_at")
    return subscriptions.annotate(
        last_delivery_status=Subquery(newest.values("status")[:1]),
        last_delivery_code=Subquery(newest.values("last_status_code")[:1]),
        last_delivery_attempts=Subquery(newest.values("attempts")[:1]),
        last_delivery_error=Subquery(newest.values("last_error")[:1]),
        last_delivery_at=Subquery(newest.values("created_at")[:1]),
    )


def recent_deliveries(subscription, limit=50):
    """The subscription's newest deliveries with their events."""
    return list(subscription.deliveries.select_related("event").order_by("-created_at")[:limit])
