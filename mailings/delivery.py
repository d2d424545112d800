"""Sending the reports that are due, each (subscription, period) once.

A worker first claims a period by inserting its Delivery row (status SENDING); the unique
(subscription, period_start) makes every other worker's insert fail, so only the one that
inserted builds and sends the email. A claim older than REPORT_CLAIM_TIMEOUT_SECONDS is a
worker that stopped mid-send: another takes it over with a conditional UPDATE (one wins).
A send that raised is retried after REPORT_RETRY_SECONDS × attempts, up to
REPORT_MAX_ATTEMPTS in all. The one case that can send twice: a worker that dies after the
SMTP server accepted the email and before it recorded SENT (a few milliseconds).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from sharing import services as sharing

from . import periods, report_links
from .emails import build_message
from .models import Delivery, ReportSubscription

logger = logging.getLogger("mailings.delivery")


@dataclass
class Outcome:
    sent: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    due: list = field(default_factory=list)


def due_periods(now=None, *, latest=False, subscriptions=None):
    """[(subscription, period)] to send now: each active subscription's latest complete
    period. Unless `latest`, only a period that ended after the subscription was made (a
    new subscription waits for its first full week or month)."""
    now = now or timezone.now()
    if subscriptions is None:
        subscriptions = ReportSubscription.objects.filter(is_active=True)
    subscriptions = subscriptions.select_related("client", "campaign__client")
    wanted = []
    for subscription in subscriptions:
        period = periods.latest_complete(subscription.frequency, now)
        if latest or period.as_period().end > subscription.created_at:
            wanted.append((subscription, period))
    if not wanted:
        return []
    done = Delivery.objects.filter(
        subscription__in=[s for s, _ in wanted],
        period_start__in={p.start for _, p in wanted},
    ).exclude(_retakeable(now))
    taken = set(done.values_list("subscription_id", "period_start"))
    return [(s, p) for s, p in wanted if (s.pk, p.start) not in taken]


def _retakeable(now):
    """Deliveries another attempt may take: a failure whose wait is over, or a claim
    abandoned by a worker that stopped."""
    stale = now - timedelta(seconds=settings.REPORT_CLAIM_TIMEOUT_SECONDS)
    return Q(attempts__lt=settings.REPORT_MAX_ATTEMPTS) & (
        Q(status=Delivery.Status.RETRY, next_attempt_at__lte=now)
        | Q(status=Delivery.Status.SENDING, claimed_at__lt=stale)
    )


def claim(subscription, period):
    """The Delivery this worker now holds for (subscription, period), or None when another
    worker holds it or it was sent."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                subscription=subscription,
                period_start=period.start,
                period_end=period.end,
                claimed_at=now,
                recipients=list(subscription.recipients),
            )
    except IntegrityError:
        pass
    rows = Delivery.objects.filter(_retakeable(now), subscription=subscription)
    taken = rows.filter(period_start=period.start).update(
        status=Delivery.Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        next_attempt_at=None,
    )
    if not taken:
        return None
    return Delivery.objects.get(subscription=subscription, period_start=period.start)


def send(delivery, subscription, period):
    """Build and send one claimed delivery; record SENT, RETRY or FAILED."""
    held = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.SENDING, claimed_at=delivery.claimed_at
    )
    try:
        if delivery.share_link_id:
            # An earlier attempt's page: its token is gone (stored hashed), so it is closed.
            sharing.revoke(delivery.share_link)
        share, url = report_links.create_share_link(subscription, period)
        held.update(share_link=share)
        message = build_message(subscription, period, url)
        message.send()
    except Exception as error:
        logger.exception("report %s for %s not sent", subscription.pk, period.start)
        now = timezone.now()
        gave_up = delivery.attempts >= settings.REPORT_MAX_ATTEMPTS
        held.update(
            status=Delivery.Status.FAILED if gave_up else Delivery.Status.RETRY,
            error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=None
            if gave_up
            else now + timedelta(seconds=settings.REPORT_RETRY_SECONDS * delivery.attempts),
        )
        return False
    held.update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        recipients=list(message.to),
        error="",
    )
    logger.info("report %s for %s sent to %d", subscription.pk, period.start, len(message.to))
    return True


def give_up_abandoned(now=None):
    """Claims abandoned after the last allowed attempt: FAILED, so they stop looking busy."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.REPORT_CLAIM_TIMEOUT_SECONDS)
    return Delivery.objects.filter(
        status=Delivery.Status.SENDING,
        claimed_at__lt=stale,
        attempts__gte=settings.REPORT_MAX_ATTEMPTS,
    ).update(status=Delivery.Status.FAILED, error="The worker stopped while sending.")


def send_due(now=None, *, latest=False, dry_run=False, subscriptions=None):
    """Send every report that is due (see due_periods); the Outcome says what happened."""
    outcome = Outcome()
    give_up_abandoned(now)
    for subscription, period in due_periods(now, latest=latest, subscriptions=subscriptions):
        outcome.due.append((subscription, period))
        if dry_run:
            continue
        delivery = claim(subscription, period)
        if delivery is None:
            continue
        if send(delivery, subscription, period):
            outcome.sent.append((subscription, period))
        else:
            outcome.failed.append((subscription, period))
    return outcome
