"""What the scheduler runs, and when each job is due."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command


def send_reports():
    from mailings import delivery

    outcome = delivery.send_due()
    return f"{len(outcome.sent)} sent, {len(outcome.failed)} failed"


def rollup_clicks():
    call_command("rollup_clicks", verbosity=0)
    return "rolled up"


def every_tick(last_started, now):
    return True


def hourly(last_started, now):
    """Due once per hour, at SCHEDULER_ROLLUP_MINUTE past it (or at once if it never ran)."""
    mark = now.replace(minute=settings.SCHEDULER_ROLLUP_MINUTE, second=0, microsecond=0)
    if mark > now:
        mark -= timedelta(hours=1)
    return last_started is None or last_started < mark


@dataclass(frozen=True)
class Job:
    name: str
    run: object
    is_due: object


JOBS = [
    # Reports first: they read rollups but never need the latest hour's.
    Job("send_reports", send_reports, every_tick),
    Job("rollup_clicks", rollup_clicks, hourly),
]
