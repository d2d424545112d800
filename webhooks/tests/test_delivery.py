"""The delivery worker against a real local receiver: signatures, retries, giving up,
pausing, leases, pruning, and two worker processes sharing the work."""

import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from links.tests.factories import ClientFactory
from webhooks import delivery as worker
from webhooks.models import Attempt, Delivery, Event, Subscription

from .factories import SubscriptionFactory
from .helpers import attempts, create_link, deliver
from .receiver import Answer
from .test_signing import documented_verifier

ROOT = Path(__file__).resolve().parents[2]
verify = documented_verifier()


@pytest.fixture
def subscription(owner, local_targets, receiver):
    return SubscriptionFactory(owner=owner, url=receiver.url())


def test_a_delivery_is_signed_and_carries_the_documented_headers(subscription, receiver, owner):
    link = create_link(owner, name="Summer poster", tags="summer, poster")
    assert deliver() == "1 deliveries attempted: 1 delivered, 0 failed."
    [request] = receiver.requests
    sent = Delivery.objects.get()
    assert request.path == "/hook"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("Macondo-Webhooks/")
    assert request.headers["Macondo-Event"] == "link.created"
    assert request.headers["Macondo-Delivery"] == str(sent.pk)
    assert request.headers["Macondo-Attempt"] == "1"
    assert verify(subscription.secret, request.headers["Macondo-Signature"], request.body)
    body = json.loads(request.body)
    assert body["id"] == str(sent.event_id) and body["type"] == "link.created"
    assert body["data"]["link"]["short_code"] == link.short_code
    assert body["data"]["link"]["tags"] == ["poster", "summer"]
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.last_status_code) == ("delivered", 1, 200)
    [attempt] = attempts()
    assert (attempt.status_code, attempt.error, attempt.response_excerpt) == (200, "", "ok")


def test_a_500_is_retried_later_with_the_same_delivery_id(subscription, receiver, owner):
    receiver.plan(Answer(status=500, body=b"database down"))
    create_link(owner)
    assert deliver() == "1 deliveries attempted: 0 delivered, 1 failed."
    pending = Delivery.objects.get()
    assert pending.status == "pending" and pending.last_error == "answered HTTP 500"
    wait = (pending.next_attempt_at - pending.last_attempt_at).total_seconds()
    assert 15 <= wait <= 30  # half to all of WEBHOOKS_RETRY_BASE_SECONDS
    assert deliver() == "0 deliveries attempted: 0 delivered, 0 failed."
    with time_machine.travel(pending.next_attempt_at + timedelta(seconds=1)):
        assert deliver() == "1 deliveries attempted: 1 delivered, 0 failed."
    first, second = receiver.requests
    assert first.headers["Macondo-Delivery"] == second.headers["Macondo-Delivery"]
    assert (first.headers["Macondo-Attempt"], second.headers["Macondo-Attempt"]) == ("1", "2")
    assert first.body == second.body
    assert verify(subscription.secret, second.headers["Macondo-Signature"], second.body)
    assert [(a.status_code, a.response_excerpt) for a in attempts()] == [
        (500, "database down"),
        (200, "ok"),
    ]


@pytest.mark.parametrize(
    "failures, longest", [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (40, 3600)]
)
def test_the_wait_doubles_up_to_an_hour_and_is_jittered(failures, longest):
    waits = {worker.backoff(failures) for _ in range(200)}
    assert all(longest / 2 <= wait <= longest for wait in waits)
    assert len(waits) > 100


def test_a_delivery_is_retried_for_a_day_then_given_up(subscription, receiver, owner, settings):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 1000
    receiver.default = Answer(status=503)
    create_link(owner)
    event = Event.objects.get()
    pending = Delivery.objects.get()
    moment = timezone.now()
    while pending.status == "pending":
        with time_machine.travel(moment, tick=False):
            deliver()
        pending.refresh_from_db()
        moment = pending.next_attempt_at or moment
    assert pending.status == "failed" and pending.next_attempt_at is None
    # 35-43 attempts (jitter): about 8 in the first hour, then one every 30-60 minutes.
    assert 33 <= pending.attempts <= 45
    last = attempts()[-1].started_at
    assert timedelta(hours=22) < last - event.created_at <= timedelta(days=1)
    assert len(receiver.requests) == pending.attempts


def test_a_target_that_keeps_failing_is_paused_and_its_owner_sees_why(
    subscription, receiver, owner, settings, client
):
    settings.WEBHOOKS_PAUSE_AFTER_FAILURES = 4
    settings.WEBHOOKS_PAUSE_AFTER_SECONDS = 3600
    receiver.default = Answer(status=502)
    for _ in range(3):
        create_link(owner)
    deliver()  # 3 failures in a row, but within seconds: no pause yet
    subscription.refresh_from_db()
    assert (subscription.status, subscription.consecutive_failures) == ("active", 3)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert deliver() == "1 deliveries attempted: 0 delivered, 1 failed."
        subscription.refresh_from_db()
        assert subscription.status == "paused"
        assert subscription.pause_reason.startswith(
            "Paused automatically after 4 failed attempts in a row since "
        )
        assert subscription.pause_reason.endswith("The last one: answered HTTP 502.")
        # The two other deliveries wait; a new event is not recorded for a paused target.
        create_link(owner)
        assert Delivery.objects.count() == 3
        assert deliver() == "0 deliveries attempted: 0 delivered, 0 failed."
        client.force_login(owner)
        assert subscription.pause_reason in client.get("/dashboard/webhooks/").text
        assert (
            subscription.pause_reason in client.get(f"/dashboard/webhooks/{subscription.pk}/").text
        )
        # Resuming sends what waited.
        receiver.default = Answer(status=204, body=b"")
        client.post(f"/dashboard/webhooks/{subscription.pk}/resume/")
        assert deliver() == "3 deliveries attempted: 3 delivered, 0 failed."
    subscription.refresh_from_db()
    assert (subscription.status, subscription.consecutive_failures) == ("active", 0)


def test_a_success_resets_the_failure_count(subscription, receiver, owner):
    receiver.plan(500, 500)
    for _ in range(3):
        create_link(owner)
    deliver()
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.failing_since is None


def test_nothing_is_sent_for_an_owner_who_was_deactivated(subscription, receiver, owner):
    create_link(owner)
    owner.is_active = False
    owner.save()
    assert deliver() == "0 deliveries attempted: 0 delivered, 0 failed."
    assert receiver.requests == []


def test_a_delivery_claimed_by_a_worker_that_died_is_sent_when_its_lease_ends(
    subscription, receiver, owner
):
    create_link(owner)
    [claimed] = worker.claim()  # then the worker is killed before sending or recording
    assert deliver() == "0 deliveries attempted: 0 delivered, 0 failed."
    with time_machine.travel(timezone.now() + worker.lease() + timedelta(seconds=1)):
        assert deliver() == "1 deliveries attempted: 1 delivered, 0 failed."
    [request] = receiver.requests
    assert request.headers["Macondo-Delivery"] == str(claimed.pk)


def test_events_older_than_the_retention_are_deleted_with_their_deliveries(
    subscription, receiver, owner, settings
):
    create_link(owner)
    deliver()
    with time_machine.travel(timezone.now() + timedelta(days=settings.WEBHOOKS_KEEP_DAYS, hours=1)):
        create_link(owner)  # a fresh one stays
        deliver()
    assert Event.objects.count() == 1
    assert Delivery.objects.count() == 1 and Attempt.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [200, 500])
def test_a_subscription_deleted_while_its_delivery_is_in_flight_leaves_nothing_behind(
    owner, local_targets, receiver, status
):
    subscription = SubscriptionFactory(owner=owner, url=receiver.url())
    create_link(owner)

    def delete_it():  # its owner, on the dashboard, while the target is answering
        Subscription.objects.filter(pk=subscription.pk).delete()
        connection.close()

    receiver.plan(Answer(status=status, meanwhile=delete_it))
    deliver()
    assert len(receiver.requests) == 1
    assert not Delivery.objects.exists() and not Attempt.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_a_database_outage_logging_it_once(
    owner, local_targets, receiver, postgresql, caplog
):
    local_targets.WEBHOOKS_POLL_INTERVAL = 0.1
    SubscriptionFactory(owner=owner, url=receiver.url())
    create_link(owner)
    stop = threading.Event()
    postgresql.stop()
    threading.Timer(1.0, postgresql.start).start()  # back after ten rounds or so
    threading.Timer(3.0, stop.set).start()
    with caplog.at_level(logging.WARNING, logger="webhooks.delivery"):
        worker.run(stop)
    messages = [record.getMessage() for record in caplog.records]
    assert len([m for m in messages if "database unavailable" in m]) == 1, messages
    assert messages[-1] == "database back: webhook deliveries resume"
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == "delivered"


# --- Worker processes ------------------------------------------------------------------------


def worker_environment():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        WEBHOOKS_ALLOW_HTTP="true",
        WEBHOOKS_ALLOW_PRIVATE_TARGETS="true",
        REDIS_URL="",
        LOG_LEVEL="INFO",
    )


def start_worker(*arguments, **env):
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "deliver_webhooks", *arguments],
        cwd=ROOT,
        env={**worker_environment(), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_send_each_delivery_once(owner, local_targets, receiver):
    SubscriptionFactory(owner=owner, url=receiver.url())
    client = ClientFactory()
    for _ in range(30):
        create_link(owner, client=client)
    expected = sorted(str(pk) for pk in Delivery.objects.values_list("pk", flat=True))
    # The first two requests wait for each other: both workers hold a claim at that moment.
    receiver.barrier = threading.Barrier(2)
    receiver.default = Answer(delay=0.02)
    workers = [start_worker("--once"), start_worker("--once")]
    outputs = [process.communicate(timeout=120) for process in workers]
    assert [process.returncode for process in workers] == [0, 0], outputs
    sent = sorted(request.headers["Macondo-Delivery"] for request in receiver.requests)
    assert sent == expected
    counts = [int(re.search(r"(\d+) delivered", out).group(1)) for out, _err in outputs]
    assert sum(counts) == 30 and min(counts) >= 1, counts
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_is_woken_by_a_commit_and_stops_on_sigterm(
    owner, local_targets, receiver
):
    SubscriptionFactory(owner=owner, url=receiver.url())
    # Polling only every 60 s: a delivery within seconds means the commit woke it.
    process = start_worker(WEBHOOKS_POLL_INTERVAL="60")
    try:
        time.sleep(3)  # booted and listening (a commit before that is found by its first look)
        create_link(owner)
        for _ in range(100):
            if receiver.requests:
                break
            time.sleep(0.1)
        assert len(receiver.requests) == 1
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "webhook worker stopping (SIGTERM)" in err
    assert Delivery.objects.get().status == "delivered"
    assert Subscription.objects.get().status == "active"
