"""send_reports in real processes against PostgreSQL: two at once send each period's email
once; a worker killed between its claim and its send is taken over after the claim timeout."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from links.tests.factories import ClientFactory
from mailings.models import Delivery

from .conftest import make_subscription
from .smtp import SilentServer, SMTPServer

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


def worker_env(smtp_port, **extra):
    database = connection.settings_dict
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="macondo.settings",
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}"
            f"/{database['NAME']}"
        ),
        EMAIL_URL="",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_TIMEOUT="20",
        LOG_LEVEL="WARNING",
        **extra,
    )


def send_reports(env, *args):
    return subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "manage.py", "send_reports", "--now", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_workers_at_once_send_each_report_once():
    subscriptions = [
        make_subscription(ClientFactory(name=f"Client {n}"), recipients=[f"c{n}@client.example"])
        for n in range(6)
    ]
    with SMTPServer() as smtp:
        env = worker_env(smtp.port)
        workers = [send_reports(env) for _ in range(2)]
        outputs = [worker.communicate(timeout=120) for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0], outputs
        received = smtp.inbox.wait_for(6, seconds=5)
    assert sorted(r.recipients[0] for r in received) == [f"c{n}@client.example" for n in range(6)]
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 6
    sent = sum(int(out.split(" report(s) sent")[0].split()[-1]) for out, _ in outputs)
    assert sent == 6
    # A third run later finds nothing due.
    with SMTPServer() as smtp:
        again = send_reports(worker_env(smtp.port))
        out, _ = again.communicate(timeout=60)
        assert "0 report(s) sent" in out
        assert smtp.received == []
    assert {d.subscription_id for d in Delivery.objects.all()} == {s.pk for s in subscriptions}


def wait_for_claim(seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        delivery = Delivery.objects.first()
        if delivery is not None:
            return delivery
        time.sleep(0.1)
    raise AssertionError("no delivery was claimed")


def test_a_worker_killed_mid_send_is_taken_over_after_the_claim_timeout():
    make_subscription(recipients=["ana@client.example"])
    # The first worker's mail server never answers: it is killed while waiting for it.
    with SilentServer() as silent:
        stuck = send_reports(worker_env(silent.port))
        claimed = wait_for_claim()
        stuck.kill()
        stuck.wait(10)
    assert claimed.status == Delivery.Status.SENDING

    with SMTPServer() as smtp:
        # Restarted at once: the claim is recent, so nothing is sent twice.
        soon = send_reports(worker_env(smtp.port, REPORT_CLAIM_TIMEOUT_SECONDS="600"))
        out, err = soon.communicate(timeout=60)
        assert soon.returncode == 0, err
        assert "0 report(s) sent" in out
        assert smtp.received == []

        # Once the claim is older than the timeout, a worker takes it over and sends it.
        Delivery.objects.filter(pk=claimed.pk).update(
            claimed_at=claimed.claimed_at - timedelta(seconds=120)
        )
        later = send_reports(worker_env(smtp.port, REPORT_CLAIM_TIMEOUT_SECONDS="60"))
        out, err = later.communicate(timeout=60)
        assert later.returncode == 0, err
        assert "1 report(s) sent" in out
        [received] = smtp.inbox.wait_for(1)
    assert received.recipients == ["ana@client.example"]
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 2
