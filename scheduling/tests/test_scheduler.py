"""The scheduler's tick: reports and the hourly rollup, under its advisory lock."""

from datetime import timedelta
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from analytics.models import RollupWatermark
from analytics.tests.factories import ClickFactory
from mailings.models import Delivery
from mailings.tests.conftest import make_subscription
from scheduling import runner
from scheduling.jobs import hourly
from scheduling.models import JobRun

pytestmark = pytest.mark.django_db(transaction=True)


def tick():
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    return out.getvalue()


def test_a_tick_sends_due_reports_and_rolls_clicks_up_hourly(smtp_server):
    ClickFactory(timestamp=timezone.now() - timedelta(days=3))
    subscription = make_subscription()
    type(subscription).objects.filter(pk=subscription.pk).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    assert tick() == "Ran: send_reports, rollup_clicks.\n"
    assert Delivery.objects.get().status == Delivery.Status.SENT
    assert RollupWatermark.objects.get().rolled_until == timezone.localdate()
    assert len(smtp_server.inbox.wait_for(1)) == 1
    # The next minute: reports only (nothing due), the rollup waits for the next hour.
    assert tick() == "Ran: send_reports.\n"
    assert JobRun.objects.get(name="rollup_clicks").last_error == ""


def test_another_scheduler_holding_the_lock_means_this_one_runs_nothing():
    database = connection.settings_dict
    other = psycopg.connect(
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        dbname=database["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [runner.LOCK_KEY])
        assert tick() == "Another scheduler holds the lock: nothing run.\n"
        assert not JobRun.objects.exists()
        other.execute("SELECT pg_advisory_unlock(%s)", [runner.LOCK_KEY])
        assert tick().startswith("Ran: send_reports")
    finally:
        other.close()


def test_a_failing_job_is_recorded_and_the_others_still_run(settings):
    from scheduling.jobs import Job, every_tick

    def broken():
        raise RuntimeError("disk full")

    ran = runner.tick([Job("broken", broken, every_tick), Job("fine", lambda: "ok", every_tick)])
    assert ran == ["broken", "fine"]
    assert JobRun.objects.get(name="broken").last_error == "RuntimeError: disk full"
    assert JobRun.objects.get(name="fine").last_error == ""


@pytest.mark.parametrize(
    ("last", "now", "due"),
    [
        (None, "10:01", True),
        ("09:05", "10:04", False),
        ("09:05", "10:05", True),
        ("10:05", "10:59", False),
        ("07:30", "09:02", True),  # missed 08:05 while down: runs at once
    ],
)
def test_the_rollup_is_due_at_its_minute_each_hour(settings, last, now, due):
    settings.SCHEDULER_ROLLUP_MINUTE = 5
    day = timezone.now().replace(second=0, microsecond=0)

    def at(text):
        hours, minutes = map(int, text.split(":"))
        return day.replace(hour=hours, minute=minutes)

    assert hourly(at(last) if last else None, at(now)) is due
