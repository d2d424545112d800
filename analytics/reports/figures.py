"""Every figure the dashboard shows, as aggregate SQL (GROUP BY in PostgreSQL).

Human clicks (analytics.models.HUMAN) unless a name says bots. A page asks a fixed number of
questions however many links or clicks exist: nothing here runs a query per row.

Counts by day come from `DailyLinkClicks` for complete days before the rollup watermark
and from raw clicks for everything after it (and for partial days), so a click shows on the
dashboard as soon as it is stored. Breakdowns (countries, browsers, …) read raw clicks of
one scope and period, which the (link, timestamp) index bounds. Unique visitors come from
analytics.reports.visitors, through the same plan.
"""

from collections import Counter
from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncHour
from django.utils import timezone

from analytics.models import BOT, HUMAN, Click, DailyClientStats
from analytics.reports import visitors
from analytics.reports.channels import channels
from analytics.reports.comparisons import change, compared
from analytics.reports.dimensions import DIMENSIONS, dimension_expression
from analytics.reports.periods import (
    EVERYTHING,
    Period,
    buckets,
    day_start,
    last_days,
    plan_of,
    previous,
    watermark,
    year_before,
)
from links.models import Client, Link

TOP = 10


_HUMANS = Count("id", filter=HUMAN)
_BOTS = Count("id", filter=BOT)


def totals(scope, period, rolled_until=None, known=False):
    """{'humans': n, 'bots': n} of a scope in a period."""
    plan = plan_of(scope, period, rolled_until, known=known)
    result = Counter(humans=0, bots=0)
    if plan.rolled is not None:
        row = plan.totals_by_day().aggregate(humans=Sum("humans"), bots=Sum("bots"))
        result.update({k: v or 0 for k, v in row.items()})
    if plan.raw is not None:
        result.update(plan.raw.aggregate(humans=_HUMANS, bots=_BOTS))
    return dict(result)


def clicks_over_time(scope, period, rolled_until=None, known=False):
    """[(bucket start, humans, bots)] for every hour (periods ≤ 2 days) or day, zeros kept."""
    tz = timezone.get_current_timezone()
    plan = plan_of(scope, period, rolled_until, known=known)
    humans, bots = Counter(), Counter()
    if period.hourly:
        rows = (
            plan.raw.values(bucket=TruncHour("timestamp", tzinfo=tz))
            .annotate(h=_HUMANS, b=_BOTS)
            .values_list("bucket", "h", "b")
        )
        for bucket, h, b in rows:
            humans[bucket] += h
            bots[bucket] += b
        return [(b, humans[b], bots[b]) for b in buckets(period)]
    if plan.rolled is not None:
        rows = plan.totals_by_day().values("day").annotate(h=Sum("humans"), b=Sum("bots"))
        for row in rows.values_list("day", "h", "b"):
            humans[row[0]] += row[1]
            bots[row[0]] += row[2]
    if plan.raw is not None:
        rows = plan.raw.values(day=TruncDate("timestamp", tzinfo=tz)).annotate(h=_HUMANS, b=_BOTS)
        for day, h, b in rows.values_list("day", "h", "b"):
            humans[day] += h
            bots[day] += b
    return [(day, humans[day], bots[day]) for day in buckets(period)]


def breakdowns(scope, period, limit=TOP, rolled_until=None, known=False):
    """Top values of every dimension among human clicks, and bot clicks by decisive reason:
    {dimension: [(value or None, clicks)], "bot_reasons": [(reason, clicks)]}.

    Rolled-up days come from the client stats, or a campaign's or link's busy days from
    its busy-day stats (one grouped query); raw clicks from one GROUP BY over every
    dimension at once, so the clicks are read once, not once per
    dimension, and the few thousand groups are folded per dimension here.
    """
    plan = plan_of(scope, period, rolled_until, known=known)
    counts = {dimension: Counter() for dimension in [*DIMENSIONS, "bot_reasons"]}
    stats, raw = plan.breakdown_sources()
    if stats is not None:
        # Only the breakdown dimensions' rows: not "total", "visitors" nor the
        # invalid-traffic page's (TRAFFIC_DIMENSIONS), rolled up beside them.
        rows = (
            stats.filter(dimension__in=list(counts))
            .values("dimension", "value")
            .annotate(h=Sum("humans"), b=Sum("bots"))
            .values_list("dimension", "value", "h", "b")
        )
        for dimension, value, humans, bots in rows:
            if dimension in counts:
                counts[dimension][value] += bots if dimension == "bot_reasons" else humans
    if raw is not None:
        keys = {f"d_{dimension}": dimension_expression(dimension) for dimension in counts}
        for row in raw.values(**keys).annotate(h=_HUMANS, b=_BOTS):
            for dimension in DIMENSIONS:
                counts[dimension][row[f"d_{dimension}"]] += row["h"]
            counts["bot_reasons"][row["d_bot_reasons"]] += row["b"]
    return {dimension: _best(counter, limit) for dimension, counter in counts.items()}


def breakdown(scope, period, dimension, limit=TOP):
    """Top values of one dimension among human clicks: [(value or None, clicks)]."""
    return breakdowns(scope, period, limit)[dimension]


def bot_reasons(scope, period, limit=TOP):
    """Bot clicks by decisive reason: [(reason, clicks)]."""
    return breakdowns(scope, period, limit)["bot_reasons"]


def _humans_by(plan, key):
    counts = Counter()
    if plan.rolled is not None:
        rows = plan.link_sums.values(k=F(key)).annotate(n=Sum("humans")).values_list("k", "n")
        counts.update(dict(rows))
    if plan.raw is not None:
        rows = plan.raw.humans().values(k=F(key)).annotate(n=Count("id"))
        counts.update(dict(rows.values_list("k", "n")))
    return counts


def _best(counts, limit):
    """The `limit` keys with the highest counts; ties in a stable order (by key)."""
    ranked = sorted(
        ((pk, n) for pk, n in counts.items() if n),
        key=lambda kv: (-kv[1], kv[0] is None, str(kv[0])),
    )
    return ranked[:limit]


def _top_humans(plan, key, limit):
    """The exact top `limit` of rollups + raw clicks without reading every rollup row.

    Only the rollups' own top `limit` and the raw (recent) keys can end in the top: any
    other key has rolled-up clicks ≤ the rollups' limit-th and no recent ones.
    """
    raw = Counter()
    if plan.raw is not None:
        rows = plan.raw.humans().values(k=F(key)).annotate(n=Count("id"))
        raw.update(dict(rows.values_list("k", "n")))
    if plan.rolled is None:
        return _best(raw, limit)
    rolled = plan.link_sums.values(k=F(key)).annotate(n=Sum("humans"))
    counts = Counter(dict(rolled.order_by("-n", "k")[:limit].values_list("k", "n")))
    missing = []
    if len(counts) == limit:
        # A key outside the rollups' top has at most `floor` rolled-up clicks: it matters
        # only if that plus its fresh clicks can reach the current top's last place.
        floor = min(counts.values())
        finals = sorted((n + raw[k] for k, n in counts.items()), reverse=True)
        threshold = finals[limit - 1]
        missing = [k for k, n in raw.items() if k not in counts and floor + n >= threshold]
    if missing:
        counts.update(dict(rolled.filter(**{f"{key}__in": missing}).values_list("k", "n")))
    counts.update(raw)
    return _best(counts, limit)


def top_links(scope, period, limit=TOP, rolled_until=None, known=False):
    """[(link with client and campaign, humans)] with the most human clicks."""
    best = _top_humans(plan_of(scope, period, rolled_until, known=known), "link_id", limit)
    links = Link.objects.select_related("client", "campaign").in_bulk([pk for pk, _ in best])
    return [(links[pk], n) for pk, n in best if pk in links]


def top_clients(period, limit=TOP, rolled_until=None, known=False):
    """[(client, humans)] with the most human clicks."""
    plan = plan_of(EVERYTHING, period, rolled_until, known=known)
    counts = Counter()
    if plan.stats is not None:
        rows = plan.totals_by_day().values("client_id").annotate(n=Sum("humans"))
        counts.update(dict(rows.values_list("client_id", "n")))
    if plan.raw is not None:
        rows = plan.raw.humans().values("link__client_id").annotate(n=Count("id"))
        counts.update(dict(rows.values_list("link__client_id", "n")))
    best = _best(counts, limit)
    clients = Client.objects.in_bulk([pk for pk, _ in best])
    return [(clients[pk], n) for pk, n in best if pk in clients]


def human_clicks_by_link(link_ids, period):
    """{link id: humans} for a page of links, in three queries at most."""
    plan = plan_of(EVERYTHING, period)
    if plan.rolled is not None:
        plan.link_sums = plan.link_sums.filter(link_id__in=link_ids)
    if plan.raw is not None:
        plan.raw = plan.raw.filter(link_id__in=link_ids)
    return dict(_humans_by(plan, "link_id"))


def annotate_human_clicks(links, period):
    """Annotate a Link queryset with `period_clicks` (humans in the period), sortable in SQL.

    A standard window (the last 7, 30 or 90 days) joins its kept per-link sums: one hash
    join, where a subquery per link costs 20,000 index probes. Other periods sum the daily
    rollups in a correlated subquery on their (link, day) index. Fresh clicks come from a
    correlated subquery on (link, timestamp), and no GROUP BY over links anywhere.
    """
    plan = plan_of(EVERYTHING, period)
    total = Value(0)
    if plan.window is not None:
        days, until = plan.window
        condition = Q(window_clicks__days=days, window_clicks__until=until)
        links = links.annotate(_window=FilteredRelation("window_clicks", condition=condition))
        total = Coalesce(F("_window__humans"), 0)
    elif plan.rolled is not None:
        rolled = (
            plan.link_sums.filter(link_id=OuterRef("pk"))
            .values("link_id")
            .annotate(n=Sum("humans"))
            .values("n")
        )
        total = Coalesce(Subquery(rolled, output_field=IntegerField()), 0)
    if plan.raw is not None:
        fresh = plan.raw.humans()
        raw = (
            fresh.filter(link_id=OuterRef("pk"))
            .values("link_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        # Count fresh clicks only for links that have some: PostgreSQL hashes the set of
        # those links once instead of probing the click index for every link.
        total = total + Case(
            When(pk__in=fresh.values("link_id"), then=Subquery(raw, output_field=IntegerField())),
            default=0,
        )
    return links.annotate(period_clicks=total)


def _compared_totals(current, before):
    """Each figure of `current` next to the same one of `before` (humans, bots, visitors)."""
    return {key: compared(current[key], before[key]) for key in current if key in before}


def _series_totals(series):
    return {"humans": sum(h for _, h, _ in series), "bots": sum(b for _, _, b in series)}


def overview(now=None, year=False):
    """The figures of the overview page; with `year`, each card also a year earlier."""
    now = now or timezone.now()
    rolled_until = watermark()
    today = timezone.localdate(now)
    midnight = day_start(today)
    periods = {
        "today": (
            Period(midnight, now),
            Period(midnight - timedelta(days=1), now - timedelta(days=1)),
        ),
    }
    for days in (7, 30):
        # Complete days only, so the previous period is a fair comparison.
        current = Period(midnight - timedelta(days=days), midnight)
        periods[f"{days}d"] = (current, current.previous())
    keys = (("today", "Today"), ("7d", "Last 7 days"), ("30d", "Last 30 days"))
    # Visitors of every card's periods from one plan (they lie within the last 60 days),
    # and of the year-earlier ones from another.
    visitors_of = _visitors_of([p for key, _ in keys for p in periods[key]], rolled_until)
    if year:
        visitors_of.update(
            _visitors_of([year_before(periods[key][0]) for key, _ in keys], rolled_until)
        )

    def figures_of(period):
        return {**totals(EVERYTHING, period, rolled_until, known=True), **visitors_of[period]}

    cards = []
    for key, label in keys:
        current, earlier = periods[key]
        now_totals, before = figures_of(current), figures_of(earlier)
        card = {
            "label": label,
            "humans": now_totals["humans"],
            "previous": before["humans"],
            "change": change(now_totals["humans"], before["humans"]),
            "compared": _compared_totals(now_totals, before),
        }
        if year:
            card["year"] = _compared_totals(now_totals, figures_of(year_before(current)))
        cards.append(card)
    all_time = _all_time(rolled_until, now)
    month = last_days(30, now)
    # The chart: the 30 complete days of the "Last 30 days" card and the 30 before them,
    # read as one 60-day series (one query of the rollups, one of the raw clicks).
    days = clicks_over_time(
        EVERYTHING, Period(midnight - timedelta(days=60), midnight), rolled_until, known=True
    )
    bot_total = all_time["humans"] + all_time["bots"]
    return {
        "all_time": all_time,
        "cards": cards,
        "bot_share": round(all_time["bots"] * 100 / bot_total, 1) if bot_total else None,
        "active_links": Link.objects.live(now).count(),
        "top_links": top_links(EVERYTHING, month, rolled_until=rolled_until, known=True),
        "top_clients": top_clients(month, rolled_until=rolled_until, known=True),
        "period": month,
        "series": days[-30:],
        "previous_series": days[:-30],
        "previous_humans": sum(h for _, h, _ in days[:-30]),
    }


def _visitors_of(periods, rolled_until):
    """{period: {"visitors": sum of daily uniques}} of the overview's periods."""
    found = visitors.visitors_by_days(EVERYTHING, periods, rolled_until, known=True)
    return {
        p: {"visitors": sum(n for _, n in by_day)} for p, by_day in zip(periods, found, strict=True)
    }


def _days(series, by_day):
    """[(day, humans, bots, visitors)]: a daily series with each day's visitors."""
    visitors_of = dict(by_day)
    return [(day, h, b, visitors_of.get(day, 0)) for day, h, b in series]


def _all_time(rolled_until, now):
    result = Counter(humans=0, bots=0)
    raw = Click.objects.order_by()
    if rolled_until is not None:
        row = DailyClientStats.objects.filter(dimension="total", day__lt=rolled_until).aggregate(
            humans=Sum("humans"), bots=Sum("bots")
        )
        result.update({k: v or 0 for k, v in row.items()})
        raw = raw.filter(timestamp__gte=day_start(rolled_until))
    result.update(raw.filter(timestamp__lt=now).aggregate(humans=_HUMANS, bots=_BOTS))
    return dict(result)


def report(scope, period, year=False):
    """Every figure of a client, campaign or link page for one period, each headline
    figure next to the previous period of the same length (and a year earlier if `year`)."""
    rolled_until = watermark()
    series = clicks_over_time(scope, period, rolled_until, known=True)
    ranked = breakdowns(scope, period, rolled_until=rolled_until, known=True)
    earlier = previous(period)
    by_day, earlier_by_day = visitors.visitors_by_days(
        scope, [period, earlier], rolled_until, known=True
    )
    current = {**_series_totals(series), "visitors": sum(n for _, n in by_day)}
    earlier_series = clicks_over_time(scope, earlier, rolled_until, known=True)
    earlier_totals = {
        **_series_totals(earlier_series),
        "visitors": sum(n for _, n in earlier_by_day),
    }
    hourly = period.hourly
    result = {
        "totals": current,
        "previous": {
            "period": earlier,
            "series": earlier_series,
            "visitors_by_day": earlier_by_day,
            "days": None if hourly else _days(earlier_series, earlier_by_day),
            "totals": earlier_totals,
            "compared": _compared_totals(current, earlier_totals),
        },
        "series": series,
        # Visitors per local day (also for an hourly period: its days' parts), and for a
        # daily period the chart's table rows with them: (day, humans, bots, visitors).
        "visitors_by_day": by_day,
        "days": None if hourly else _days(series, by_day),
        "hourly": hourly,
        "channels": channels(scope, period, rolled_until, known=True, limit=TOP),
        "breakdowns": [(key, label, ranked[key]) for key, (label, _) in DIMENSIONS.items()],
        "bot_reasons": ranked["bot_reasons"],
    }
    if year:
        a_year_ago = year_before(period)
        then = totals(scope, a_year_ago, rolled_until, known=True)
        then["visitors"] = visitors.visitors_total(scope, a_year_ago, rolled_until, known=True)
        result["year"] = {
            "period": a_year_ago,
            "totals": then,
            "compared": _compared_totals(current, then),
        }
    if not scope.link_id:
        result["top_links"] = top_links(scope, period, rolled_until=rolled_until, known=True)
    return result
