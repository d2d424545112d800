"""Figures side by side: a figure next to an earlier one, and human clicks of many links,
campaigns or clients at once (grouped queries, never one per row), for the comparison
tables, the compare page and the organisation lists. Same rollup-or-raw plan as
analytics.reports.figures."""

from collections import Counter

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from analytics.models import HUMAN
from analytics.reports.periods import EVERYTHING, buckets, plan_of, previous, watermark
from analytics.reports.visitors import visitors_by


def change(current, before):
    """Percent change, or None when there is nothing to compare with."""
    if not before:
        return None
    return round((current - before) * 100 / before)


def compared(current, before):
    """A figure next to an earlier one: the change in clicks and percent; `new` when the
    earlier figure was 0 and this one is not (a percentage of nothing means nothing)."""
    return {
        "now": current,
        "before": before,
        "delta": current - before,
        "percent": change(current, before),
        "new": not before and current > 0,
    }


def _keyed(queryset, key, ids):
    return queryset.filter(**{f"{key}__in": ids}) if ids is not None else queryset


def humans_by(key, ids, period, scope=EVERYTHING, rolled_until=None, known=False):
    """{key value: human clicks} of the rows of `ids` (None: every row of the scope), for
    key "link_id", "link__campaign_id" or "link__client_id": grouped queries, not one per row.
    Clients' rolled-up days come from the client stats (a row per client and day)."""
    plan = plan_of(scope, period, rolled_until, known=known)
    counts = Counter()
    if plan.rolled is not None:
        if key == "link__client_id" and plan.stats is not None:
            rows = _keyed(plan.totals_by_day(), "client_id", ids).values(k=F("client_id"))
        else:
            rows = _keyed(plan.link_sums, key, ids).values(k=F(key))
        counts.update(dict(rows.annotate(n=Sum("humans")).values_list("k", "n")))
    if plan.raw is not None:
        raw = _keyed(plan.raw.filter(HUMAN), key, ids)
        counts.update(dict(raw.values(k=F(key)).annotate(n=Count("id")).values_list("k", "n")))
    return counts


def humans_series_by(key, ids, period, scope=EVERYTHING, rolled_until=None, known=False):
    """{key value: [human clicks per bucket (see buckets)]} of the rows of `ids`."""
    tz = timezone.get_current_timezone()
    plan = plan_of(scope, period, rolled_until, known=known)
    counts = Counter()
    if plan.rolled is not None and not period.hourly:
        rows = _keyed(plan.rolled, key, ids).values(k=F(key), bucket=F("day"))
        for k, bucket, n in rows.annotate(n=Sum("humans")).values_list("k", "bucket", "n"):
            counts[k, bucket] += n
    if plan.raw is not None:
        trunc = TruncHour if period.hourly else TruncDate
        raw = _keyed(plan.raw.filter(HUMAN), key, ids)
        rows = raw.values(k=F(key), bucket=trunc("timestamp", tzinfo=tz)).annotate(n=Count("id"))
        for k, bucket, n in rows.values_list("k", "bucket", "n"):
            counts[k, bucket] += n
    steps = buckets(period)
    return {k: [counts[k, bucket] for bucket in steps] for k in ids}


def side_by_side(key, ids, period, scope=EVERYTHING):
    """Rows to compare (campaigns or links): {id: {"humans", "compared", "series",
    "visitors"}}, the change in human clicks against the previous period of the same
    length, and the visitors (sum of daily uniques). A fixed number of queries however many
    rows: one or two per figure, and one per raw interval of the visitors."""
    rolled_until = watermark()
    series = humans_series_by(key, ids, period, scope, rolled_until, known=True)
    before = humans_by(key, ids, previous(period), scope, rolled_until, known=True)
    visitors = visitors_by(key, ids, period, scope, rolled_until, known=True)
    result = {}
    for pk in ids:
        humans = sum(series[pk])
        result[pk] = {
            "humans": humans,
            "visitors": visitors[pk],
            "compared": compared(humans, before[pk]),
            "series": series[pk],
        }
    return result
