"""The delivery worker: sends due deliveries, retries with backoff, pauses failing targets.

A worker claims a few due deliveries at a time (SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL, so several workers never claim the same row; on SQLite a compare-and-set
UPDATE) by moving their `next_attempt_at` forward by a lease, commits, then sends each and
records the outcome. A worker that dies between sending and recording leaves the delivery
due again when the lease ends: it is sent again with the same Macondo-Delivery id.
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

import macondo
from macondo.degraded import Dependency

from . import events, signing, targets
from .models import Attempt, Delivery, Event, Subscription

logger = logging.getLogger(__name__)

CLAIM_BATCH = 10
USER_AGENT = f"Macondo-Webhooks/{macondo.__version__}"
_PRUNE_EVERY_SECONDS = 3600
_PRUNE_CHUNK = 1000


def lease():
    """How long a claim holds: every claimed delivery timing out, with room to spare."""
    per_request = (
        settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS + 2 * settings.WEBHOOKS_READ_TIMEOUT_SECONDS
    )
    return timedelta(seconds=CLAIM_BATCH * (per_request + 5) + 60)


def backoff(failures):
    """Seconds before the next attempt after `failures` failed ones: base * 2^(n-1),
    capped, then drawn between half and all of it so retries of many deliveries spread."""
    delay = settings.WEBHOOKS_RETRY_BASE_SECONDS * 2 ** min(failures - 1, 30)
    delay = min(delay, settings.WEBHOOKS_RETRY_MAX_DELAY_SECONDS)
    return delay / 2 + random.uniform(0, delay / 2)


def _due(before=None):
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING,
        next_attempt_at__lte=before or timezone.now(),
        subscription__status=Subscription.Status.ACTIVE,
        subscription__owner__is_active=True,
    ).order_by("next_attempt_at")


def claim(limit=CLAIM_BATCH, due_before=None):
    """Due deliveries (by `due_before`, default now) this worker now holds for a lease,
    oldest due first."""
    held_until = timezone.now() + lease()
    due = _due(due_before)
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(
                due.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[
                    :limit
                ]
            )
            Delivery.objects.filter(pk__in=ids).update(next_attempt_at=held_until)
    else:
        ids = [
            pk
            for pk, due_at in due.values_list("pk", "next_attempt_at")[:limit]
            if Delivery.objects.filter(
                pk=pk, status=Delivery.Status.PENDING, next_attempt_at=due_at
            ).update(next_attempt_at=held_until)
        ]
    claimed = Delivery.objects.filter(pk__in=ids).select_related("event", "subscription")
    return sorted(claimed, key=lambda d: ids.index(d.pk))


def headers(delivery, body, timestamp):
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Macondo-Event": delivery.event.type,
        "Macondo-Delivery": str(delivery.pk),
        "Macondo-Attempt": str(delivery.attempts + 1),
        signing.SIGNATURE_HEADER: signing.signature_header(
            delivery.subscription.secret, timestamp, body
        ),
    }


def send(delivery):
    """One attempt of a claimed delivery, recorded; returns the Attempt."""
    body = delivery.event.body.encode()
    started_at = timezone.now()
    answer = targets.post(delivery.subscription.url, body, headers(delivery, body, time.time()))
    with transaction.atomic():
        attempt = Attempt(
            delivery=delivery,
            started_at=started_at,
            duration_ms=answer.duration_ms,
            status_code=answer.status_code,
            error=answer.error,
            response_excerpt=answer.excerpt,
        )
        # Whether this failure paused the target (its other claimed deliveries then wait).
        attempt.paused_target = False
        # Locked, so a subscription being deleted meanwhile waits for this record, or has
        # already taken its deliveries with it and there is nothing left to record.
        if not list(Delivery.objects.select_for_update().filter(pk=delivery.pk).values("pk")):
            logger.info("webhook delivery %s was deleted while being sent", delivery.pk)
            return attempt
        attempt.save()
        if answer.ok:
            _succeeded(delivery, started_at, answer)
        else:
            attempt.paused_target = _failed(delivery, started_at, answer)
    return attempt


def _succeeded(delivery, now, answer):
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.DELIVERED,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
        last_attempt_at=now,
        last_status_code=answer.status_code,
        last_error="",
        delivered_at=now,
    )
    Subscription.objects.filter(pk=delivery.subscription_id).exclude(
        consecutive_failures=0, failing_since=None
    ).update(consecutive_failures=0, failing_since=None)


def _failed(delivery, now, answer):
    failures = delivery.attempts + 1
    next_at = now + timedelta(seconds=backoff(failures))
    give_up = next_at > delivery.event.created_at + timedelta(
        seconds=settings.WEBHOOKS_RETRY_FOR_SECONDS
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED if give_up else Delivery.Status.PENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=None if give_up else next_at,
        last_attempt_at=now,
        last_status_code=answer.status_code,
        last_error=answer.error,
    )
    if give_up:
        logger.warning(
            "webhook delivery %s to %s given up after %d attempts: %s",
            delivery.pk,
            delivery.subscription.url,
            failures,
            answer.error,
        )
    subscription = Subscription.objects.select_for_update().get(pk=delivery.subscription_id)
    subscription.consecutive_failures += 1
    subscription.failing_since = subscription.failing_since or now
    subscription.save(update_fields=["consecutive_failures", "failing_since"])
    return _pause_if_failing(subscription, now, answer)


def _pause_if_failing(subscription, now, answer):
    from .services import pause_subscription

    failing_for = now - subscription.failing_since
    if (
        subscription.is_active
        and subscription.consecutive_failures >= settings.WEBHOOKS_PAUSE_AFTER_FAILURES
        and failing_for >= timedelta(seconds=settings.WEBHOOKS_PAUSE_AFTER_SECONDS)
    ):
        reason = (
            f"Paused automatically after {subscription.consecutive_failures} failed attempts "
            f"in a row since {subscription.failing_since:%Y-%m-%d %H:%M} UTC. "
            f"The last one: {answer.error}."
        )
        pause_subscription(subscription, reason=reason)
        logger.warning("webhook subscription %s paused: %s", subscription.pk, reason)
        return True
    return False


@dataclass
class Round:
    delivered: int = 0
    failed: int = 0

    @property
    def attempted(self):
        return self.delivered + self.failed


def deliver_due(round_=None, due_before=None, stop=None):
    """Claim and send one batch of due deliveries; returns how many were claimed. When
    `stop` is set meanwhile, the ones not sent yet are handed back at once."""
    round_ = round_ or Round()
    claimed = claim(due_before=due_before)
    paused = set()
    for index, delivery in enumerate(claimed):
        if stop is not None and stop.is_set():
            rest = [d.pk for d in claimed[index:]]
            Delivery.objects.filter(pk__in=rest).update(next_attempt_at=timezone.now())
            break
        if delivery.subscription_id in paused:
            continue  # resuming makes it due again
        attempt = send(delivery)
        if attempt.paused_target:
            paused.add(delivery.subscription_id)
        if attempt.succeeded:
            round_.delivered += 1
        else:
            round_.failed += 1
    return len(claimed)


def deliver_once():
    """Everything due now, each delivery at most once (a retry falls due later); old
    events pruned first."""
    prune()
    # A failed attempt is due again later than this moment (claimed ones too): each
    # delivery is tried once.
    round_, started = Round(), timezone.now()
    while deliver_due(round_, due_before=started):
        pass
    return round_


def prune(now=None):
    """Delete events older than WEBHOOKS_KEEP_DAYS with their deliveries and attempts."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOKS_KEEP_DAYS)
    deleted = 0
    while True:
        ids = list(
            Event.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:_PRUNE_CHUNK]
        )
        if not ids:
            return deleted
        Event.objects.filter(pk__in=ids).delete()
        deleted += len(ids)


class Listener:
    """Waits for the NOTIFY an event's commit sends (PostgreSQL), or polls (SQLite).

    `listen()` comes before looking for due deliveries and `wait()` after: a commit in
    between is queued on the connection, so no wake-up is missed."""

    def __init__(self):
        self.listening_on = None

    def listen(self):
        if connection.vendor != "postgresql":
            return
        connection.ensure_connection()
        if self.listening_on is not connection.connection:
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {events.WAKE_CHANNEL}")
            self.listening_on = connection.connection

    def wait(self, seconds, stop):
        """Until a NOTIFY, `seconds`, or `stop` (checked every second: a signal does not
        interrupt psycopg's wait)."""
        deadline = time.monotonic() + seconds
        while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
            if self.listening_on is None or self.listening_on is not connection.connection:
                stop.wait(min(remaining, 1.0))
                continue
            if list(self.listening_on.notifies(timeout=min(remaining, 1.0), stop_after=1)):
                return


def run(stop):
    """Deliver until `stop` (a threading.Event) is set; SIGTERM sets it in the command."""
    listener, pruned_at = Listener(), 0.0
    # Retried every poll interval; one line when the database goes, one when it is back.
    database = Dependency(
        logger,
        down="webhook deliveries wait, database unavailable: %s",
        back="database back: webhook deliveries resume",
    )
    while not stop.is_set():
        try:
            if time.monotonic() - pruned_at > _PRUNE_EVERY_SECONDS:
                removed = prune()
                pruned_at = time.monotonic()
                if removed:
                    logger.info(
                        "webhook events older than %d days deleted: %d",
                        settings.WEBHOOKS_KEEP_DAYS,
                        removed,
                    )
            listener.listen()
            claimed = deliver_due(stop=stop)
            database.answered()
            if not claimed:
                listener.wait(settings.WEBHOOKS_POLL_INTERVAL, stop)
            continue
        except DatabaseError as error:
            database.failed(error)
        except Exception:
            logger.exception("webhook delivery round failed; retrying")
        connection.close()
        listener.listening_on = None
        stop.wait(settings.WEBHOOKS_POLL_INTERVAL)
    connection.close()
