"""What send_reports sends when, through the command, against a real SMTP server."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mailings import periods
from mailings.models import Delivery, ReportSubscription
from sharing.models import ShareLink

from .conftest import make_subscription
from .smtp import free_port

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("send_reports", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_new_subscription_waits_for_its_first_full_period(smtp_server):
    subscription = make_subscription()
    assert "0 report(s) sent" in run()
    assert smtp_server.received == []
    # Made before last week began: last week is due.
    week = periods.latest_complete("weekly")
    ReportSubscription.objects.filter(pk=subscription.pk).update(
        created_at=timezone.now() - timedelta(days=14)
    )
    assert "1 report(s) sent" in run()
    assert Delivery.objects.get().period_start == week.start
    assert "0 report(s) sent" in run()
    assert len(smtp_server.inbox.wait_for(1)) == 1


def test_now_sends_the_latest_period_once(smtp_server):
    make_subscription()
    assert "1 report(s) sent" in run("--now")
    assert "0 report(s) sent" in run("--now")
    assert len(smtp_server.inbox.wait_for(1)) == 1


def test_dry_run_says_what_is_due_and_sends_nothing(smtp_server):
    make_subscription(recipients=["ana@client.example"])
    out = run("--now", "--dry-run")
    assert "Due: Weekly report of Acme" in out and "ana@client.example" in out
    assert "1 report(s) due; nothing sent" in out
    assert smtp_server.received == []
    assert not Delivery.objects.exists()


def test_paused_subscriptions_are_not_sent(smtp_server):
    make_subscription(is_active=False)
    assert "0 report(s) sent" in run("--now")


def test_a_failed_send_is_retried_later_then_given_up(settings, smtp_server):
    make_subscription()
    settings.EMAIL_PORT = free_port()  # nobody listens there
    settings.REPORT_MAX_ATTEMPTS = 2
    assert "1 failed" in run("--now")
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.RETRY
    assert "ConnectionRefusedError" in delivery.error
    # Not before its wait is over.
    assert "0 failed" in run("--now")
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert "1 failed" in run("--now")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 2)
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert "0 report(s) sent, 0 failed" in run("--now")
    assert smtp_server.received == []


def test_a_retry_that_succeeds_is_recorded_sent(settings, smtp_server):
    make_subscription()
    working = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    run("--now")
    settings.EMAIL_PORT = working
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert "1 report(s) sent" in run("--now")
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error) == (Delivery.Status.SENT, 2, "")
    [received] = smtp_server.inbox.wait_for(1)
    # The failed attempt's shared page is closed; the email links to the new one.
    assert ShareLink.objects.filter(revoked_at__isnull=False).count() == 1
    assert ShareLink.objects.get(revoked_at__isnull=True) == delivery.share_link
