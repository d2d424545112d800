"""Which clicks a figure covers (a scope and a period) and how a period is read.

A period's complete days before the rollup watermark come from the rollups
(`DailyLinkClicks`, `DailyClientStats`, `DailyCampaignVisitors`, `LinkWindowClicks`);
partial days and everything after the watermark from raw clicks, so a click counts as soon
as it is stored. A local day is read whole from one or the other, never from both.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from analytics.models import (
    BusyDayStats,
    Click,
    DailyClientStats,
    DailyLinkClicks,
    LinkWindowClicks,
    RollupWatermark,
)

HOURLY_MAX = timedelta(days=2)
# Complete days before today in "last 7/30/90 days" (today itself is read raw): the
# windows whose per-link sums rollup_clicks keeps in LinkWindowClicks.
WINDOW_DAYS = (6, 29, 89)


@dataclass(frozen=True)
class Scope:
    """Which clicks a report covers: everything, or one client, campaign or link."""

    client_id: object = None
    campaign_id: object = None
    link_id: object = None

    def _filter(self, prefix):
        if self.link_id:
            return Q(**{f"{prefix}link_id": self.link_id})
        if self.campaign_id:
            return Q(**{f"{prefix}link__campaign_id": self.campaign_id})
        if self.client_id:
            return Q(**{f"{prefix}link__client_id": self.client_id})
        return Q()

    def clicks(self):
        return Click.objects.filter(self._filter("")).order_by()

    def rollups(self):
        return DailyLinkClicks.objects.filter(self._filter("")).order_by()

    def windows(self):
        return LinkWindowClicks.objects.filter(self._filter("")).order_by()

    def busy_stats(self):
        """Busy-day stats of this campaign or link, or None (clients and everything)."""
        if self.link_id:
            return BusyDayStats.objects.filter(link_id=self.link_id).order_by()
        if self.campaign_id:
            return BusyDayStats.objects.filter(campaign_id=self.campaign_id).order_by()
        return None

    def stats(self):
        """Per-client daily stats answering this scope, or None (campaigns and links)."""
        if self.link_id or self.campaign_id:
            return None
        stats = DailyClientStats.objects.order_by()
        return stats.filter(client_id=self.client_id) if self.client_id else stats


EVERYTHING = Scope()


@dataclass(frozen=True)
class Period:
    """A half-open time range [start, end)."""

    start: datetime
    end: datetime

    @property
    def hourly(self):
        return self.end - self.start <= HOURLY_MAX

    def previous(self):
        return previous(self)


def previous(period):
    """The period of the same length that ends where `period` starts."""
    length = period.end - period.start
    return Period(period.start - length, period.start)


def _a_year_earlier(moment):
    local = timezone.localtime(moment)
    try:
        shifted = local.replace(year=local.year - 1)
    except ValueError:  # 29 February: the year before has none, the 28th stands in.
        shifted = local.replace(year=local.year - 1, day=28)
    # Same local wall-clock time, so whole local days stay whole days (rollup friendly).
    return datetime.combine(shifted.date(), shifted.time(), tzinfo=timezone.get_current_timezone())


def year_before(period):
    """The same local dates and times one year earlier."""
    return Period(_a_year_earlier(period.start), _a_year_earlier(period.end))


def day_start(day):
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def last_days(days, now=None):
    """Today (so far) and the days-1 days before it: whole local days, rollup friendly."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return Period(day_start(today - timedelta(days=days - 1)), now)


def watermark():
    row = RollupWatermark.objects.filter(pk=1).values_list("rolled_until", flat=True).first()
    return row


def _split(period, rolled_until):
    """Cut a period into rollup days [first, last) and raw intervals for the rest."""
    if period.hourly or rolled_until is None:
        return [(period.start, period.end)], None
    first = timezone.localdate(period.start)
    if day_start(first) < period.start:
        first += timedelta(days=1)
    last = min(timezone.localdate(period.end), rolled_until)
    if last <= first:
        return [(period.start, period.end)], None
    raw = []
    if period.start < day_start(first):
        raw.append((period.start, day_start(first)))
    if day_start(last) < period.end:
        raw.append((day_start(last), period.end))
    return raw, (first, last)


def _merged(intervals):
    """Touching intervals joined: a quiet link's whole period is read as one range."""
    result = []
    for start, end in sorted(intervals):
        if result and result[-1][1] >= start:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def _raw_q(intervals):
    q = Q(pk__in=[])
    for start, end in intervals:
        q |= Q(timestamp__gte=start, timestamp__lt=end)
    return q


class Plan:
    """One period's split between rollups and raw clicks, for one scope."""

    def __init__(self, scope, period, rolled_until):
        self.scope = scope
        self.period = period
        raw, days = _split(period, rolled_until)
        # The rolled-up days [first, last), or None, and the raw intervals [(start, end)]:
        # for rollups and raw reads outside this plan.
        self.days = days
        self.intervals = raw
        self.raw = scope.clicks().filter(_raw_q(raw)) if raw else None
        self.rolled = scope.rollups().filter(day__gte=days[0], day__lt=days[1]) if days else None
        stats = scope.stats() if days else None
        self.stats = stats.filter(day__gte=days[0], day__lt=days[1]) if stats is not None else None
        # Per-link sums over whole rolled-up days: a kept window when one fits exactly.
        self.link_sums = self.rolled
        # (days, until) of the kept window these rolled days are, or None.
        self.window = None
        if days and days[1] == rolled_until and (days[1] - days[0]).days in WINDOW_DAYS:
            self.window = ((days[1] - days[0]).days, rolled_until)
            self.link_sums = scope.windows().filter(days=self.window[0], until=rolled_until)

    def breakdown_sources(self):
        """(stats rows or None, raw clicks or None) that hold every click of the period
        exactly once, by dimension: a client's (or everything's) rolled-up days come from
        its client stats; a campaign's or link's busy days from its busy-day stats, and its
        quiet rolled-up days, like every day after the watermark, from raw clicks."""
        if self.stats is not None:
            return self.stats, self.raw
        busy = self.scope.busy_stats() if self.days else None
        if busy is None:
            return None, self.scope.clicks().filter(_raw_q([(self.period.start, self.period.end)]))
        busy = busy.filter(day__gte=self.days[0], day__lt=self.days[1])
        kept = set(busy.filter(dimension="total").values_list("day", flat=True))
        intervals, day = list(self.intervals), self.days[0]
        while day < self.days[1]:
            if day not in kept:
                intervals.append((day_start(day), day_start(day + timedelta(days=1))))
            day += timedelta(days=1)
        intervals = _merged(intervals)
        raw = self.scope.clicks().filter(_raw_q(intervals)) if intervals else None
        return (busy if kept else None), raw

    def totals_by_day(self):
        """Rolled-up rows (with day, humans, bots): client stats when they answer the scope."""
        if self.stats is not None:
            return self.stats.filter(dimension="total")
        return self.rolled


def plan_of(scope, period, rolled_until=None, *, known=False):
    """The plan of a period: with the caller's `rolled_until` when `known`, else the stored watermark."""
    return Plan(scope, period, rolled_until if known else watermark())


def buckets(period):
    """The chart buckets of a period: local hours (periods ≤ 2 days) or local days."""
    tz = timezone.get_current_timezone()
    result = []
    if period.hourly:
        cursor = timezone.localtime(period.start).replace(minute=0, second=0, microsecond=0)
        while cursor < period.end:
            result.append(cursor)
            cursor = (cursor + timedelta(hours=1)).astimezone(tz)
        return result
    day = timezone.localdate(period.start)
    last = timezone.localdate(period.end - timedelta(microseconds=1))
    while day <= last:
        result.append(day)
        day += timedelta(days=1)
    return result
