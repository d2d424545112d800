"""Which week or month a report covers: whole local days, Monday-to-Sunday weeks and
calendar months, so a period and the one before it are the same kind of period."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from analytics.reports.periods import Period, day_start


@dataclass(frozen=True)
class ReportPeriod:
    """Local days [start, end): `end` is the first day after the period."""

    start: date
    end: date

    def as_period(self):
        """The reports module's time range of these days."""
        return Period(day_start(self.start), day_start(self.end))

    @property
    def last_day(self):
        return self.end - timedelta(days=1)


def _month_start(day):
    return day.replace(day=1)


def _previous_month_start(first):
    return _month_start(first - timedelta(days=1))


def containing(frequency, day):
    """The week or month that `day` is in."""
    if frequency == "weekly":
        start = day - timedelta(days=day.weekday())
        return ReportPeriod(start, start + timedelta(days=7))
    start = _month_start(day)
    return ReportPeriod(start, _month_start(start + timedelta(days=31)))


def previous(frequency, period):
    """The period just before `period` (last week; last month, whatever its length)."""
    return containing(frequency, period.start - timedelta(days=1))


def latest_complete(frequency, now=None):
    """The last week or month that has ended by `now` (local time)."""
    today = timezone.localdate(now or timezone.now())
    return previous(frequency, containing(frequency, today))
