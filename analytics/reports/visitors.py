"""Unique visitors: the rule and every visitors figure (see docs/dashboard.md, "Unique visitors").

A visitor is a distinct (IP address, user agent) pair among the human clicks
(analytics.models.HUMAN) of one unit — a link, a campaign or a client — on one local day
(TIME_ZONE). Nothing is stored per click for it: the key is computed in SQL from what a
click already stores. Units are counted apart, so one person is one visitor of each link,
of each campaign and of each client they clicked; the overview adds the clients' figures.
Over several days a figure is the sum of the daily uniques (a person back tomorrow counts
again), and every label says so.

Complete days before the rollup watermark come from the rollups (`DailyLinkClicks.visitors`,
`DailyCampaignVisitors`, the client stats' "visitors" rows), written by `rollup_clicks` with
the same key; the rest from raw clicks, grouped by unit and day in the database.
"""

from collections import Counter
from datetime import timedelta

from django.db.models import Count, F, Func, TextField, Value
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate
from django.utils import timezone

from analytics.models import HUMAN, DailyCampaignVisitors, DailyClientStats
from analytics.reports.periods import EVERYTHING, Period, day_start, plan_of

# The client stats' dimension holding each client's daily unique visitors (in `humans`).
DIMENSION = "visitors"

LINK, CAMPAIGN, CLIENT = "link_id", "link__campaign_id", "link__client_id"


class _Bytewise(Func):
    """Compare the key byte by byte on PostgreSQL: DISTINCT sorts it, and a C-collation
    sort of long user agents is several times cheaper than a locale-aware one. SQLite
    compares bytes already."""

    template = '(%(expressions)s) COLLATE "C"'
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])


def visitor_key():
    """The visitor of a click as SQL: its IP address and user agent, "|" between; a missing
    one is empty, so a click without an IP address counts by its user agent alone."""
    text = TextField()
    return _Bytewise(
        Concat(
            Coalesce(Cast("ip_address", text), Value(""), output_field=text),
            Value("|"),
            Coalesce("user_agent", Value(""), output_field=text),
            output_field=text,
        )
    )


def visitors_count():
    """The aggregate: distinct visitors among the human clicks of a group."""
    return Count(visitor_key(), distinct=True, filter=HUMAN)


def unit_of(scope):
    """The unit a scope's visitors are counted in (the overview: each client)."""
    if scope.link_id:
        return LINK
    if scope.campaign_id:
        return CAMPAIGN
    return CLIENT


def _rolled(key, ids, scope, days):
    """(unit id, day, visitors) rows of the rollups for days [first, last)."""
    first, last = days
    if key == LINK:
        rows = scope.rollups().filter(day__gte=first, day__lt=last)
        rows = rows.filter(link_id__in=ids) if ids is not None else rows
        return rows.values_list("link_id", "day", "visitors")
    if key == CAMPAIGN:
        rows = DailyCampaignVisitors.objects.order_by().filter(day__gte=first, day__lt=last)
        if ids is not None:
            rows = rows.filter(campaign_id__in=ids)
        elif scope.campaign_id:
            rows = rows.filter(campaign_id=scope.campaign_id)
        elif scope.client_id:
            rows = rows.filter(campaign__client_id=scope.client_id)
        return rows.values_list("campaign_id", "day", "visitors")
    rows = DailyClientStats.objects.order_by().filter(
        dimension=DIMENSION, day__gte=first, day__lt=last
    )
    if ids is not None:
        rows = rows.filter(client_id__in=ids)
    elif scope.client_id:
        rows = rows.filter(client_id=scope.client_id)
    return rows.values_list("client_id", "day", "humans")


def _counts(key, ids, period, scope, rolled_until, known):
    """{(unit id, local day): visitors}: a query for the rollups and one per raw interval
    (at most two: a partial first day, the days after the watermark). One query per
    interval, not one with an OR of them: PostgreSQL reads each as a range of the
    (link, timestamp) index, where the OR made it read every click of each link."""
    plan = plan_of(scope, period, rolled_until, known=known)
    counts = Counter()
    if plan.days is not None:
        for unit, day, n in _rolled(key, ids, scope, plan.days):
            counts[unit, day] += n
    day = TruncDate("timestamp", tzinfo=timezone.get_current_timezone())
    for start, end in plan.intervals or ():
        raw = scope.clicks().filter(HUMAN, timestamp__gte=start, timestamp__lt=end)
        raw = raw.filter(**{f"{key}__in": ids}) if ids is not None else raw
        if key == CAMPAIGN:
            raw = raw.filter(link__campaign_id__isnull=False)
        rows = raw.values(k=F(key), d=day).annotate(n=visitors_count())
        # A local day lies in one interval only: the counts of two never meet.
        for unit, d, n in rows.values_list("k", "d", "n"):
            counts[unit, d] += n
    return counts


def days_of(period):
    """The local days a period touches (an hourly period: one or two or three)."""
    day = timezone.localdate(period.start)
    last = timezone.localdate(period.end - timedelta(microseconds=1))
    result = []
    while day <= last:
        result.append(day)
        day += timedelta(days=1)
    return result


def visitors_by_day(scope, period, rolled_until=None, known=False):
    """[(local day, visitors)] of every day the period touches, zeros kept; a partial day
    (the ends of an hourly period, today) counts the visitors within the period."""
    return visitors_by_days(scope, [period], rolled_until, known)[0]


def _fits(period, span):
    """Whether each day of `period` is cut where `span` cuts it: at its local midnights or
    at the span's own ends, so the span's count of that day is the period's."""
    first = timezone.localdate(period.start)
    after = timezone.localdate(period.end - timedelta(microseconds=1)) + timedelta(days=1)
    return (
        max(day_start(first), span.start) == period.start
        and min(day_start(after), span.end) == period.end
    )


def visitors_by_days(scope, periods, rolled_until=None, known=False):
    """visitors_by_day of each of `periods` (periods close together, such as a range and the
    one before it): those meeting at local midnights are read as one span (the rollups in
    one query, raw clicks in one per raw interval); any other (an hourly range and the one
    before) is read alone."""
    span = Period(min(p.start for p in periods), max(p.end for p in periods))
    together = [p for p in periods if _fits(p, span)]
    shared = Counter()
    if together:
        span = Period(min(p.start for p in together), max(p.end for p in together))
        shared = _by_day(scope, span, rolled_until, known)
    alone = {}
    result = []
    for period in periods:
        if period in together:
            found = shared
        else:
            if period not in alone:
                alone[period] = _by_day(scope, period, rolled_until, known)
            found = alone[period]
        result.append([(day, found[day]) for day in days_of(period)])
    return result


def _by_day(scope, period, rolled_until, known):
    counts = Counter()
    for (_unit, day), n in _counts(
        unit_of(scope), None, period, scope, rolled_until, known
    ).items():
        counts[day] += n
    return counts


def visitors_total(scope, period, rolled_until=None, known=False):
    """The sum of the daily uniques of a scope over a period."""
    return sum(n for _day, n in visitors_by_day(scope, period, rolled_until, known))


def visitors_by(key, ids, period, scope=EVERYTHING, rolled_until=None, known=False):
    """{unit id: sum of daily uniques} of the rows of `ids` (None: every row of the scope),
    key LINK, CAMPAIGN or CLIENT: at most three queries however many rows."""
    result = Counter()
    for (unit, _day), n in _counts(key, ids, period, scope, rolled_until, known).items():
        result[unit] += n
    return result
