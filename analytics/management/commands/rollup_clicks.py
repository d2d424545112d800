"""Roll raw clicks up into DailyLinkClicks, DailyClientStats and DailyCampaignVisitors
for complete past days.

Idempotent: each day is deleted and recomputed in one transaction, so a rerun (or a run
after `is_bot` of old clicks changed) leaves exactly the raw counts. By default it rolls
from the watermark to yesterday; after reclassifying old clicks run it with
`--since DATE` (or `--all`) so the rollups of those days are recomputed.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_date

from analytics.models import (
    BOT,
    BUSY_DAY_CLICKS,
    HUMAN,
    BusyDayStats,
    Click,
    DailyCampaignVisitors,
    DailyClientStats,
    DailyLinkClicks,
    LinkWindowClicks,
    RollupWatermark,
)
from analytics.reports.dimensions import DIMENSIONS, TRAFFIC_DIMENSIONS, dimension_expression
from analytics.reports.periods import WINDOW_DAYS, day_start
from analytics.reports.visitors import DIMENSION as VISITORS
from analytics.reports.visitors import visitors_count
from macondo.progress import Progress

CHUNK_DAYS = 31

_INSERT_CLIENT_TOTALS = """
    INSERT INTO daily_client_stats (client_id, day, dimension, value, humans, bots)
    SELECT l.client_id, d.day, 'total', NULL, sum(d.humans), sum(d.bots)
    FROM daily_link_clicks d JOIN links l ON l.id = d.link_id
    WHERE d.day >= %s AND d.day < %s
    GROUP BY l.client_id, d.day
"""

# {query} is SQL compiled by the ORM from a queryset, never text from outside.
_INSERT_DIMENSION = (
    "INSERT INTO daily_client_stats (dimension, client_id, day, value, humans, bots) "
    "SELECT %s, s.c, s.d, s.k, s.h, s.b FROM ({query}) AS s"
)

_INSERT_WINDOW = """
    INSERT INTO link_window_clicks (link_id, days, until, humans)
    SELECT link_id, %s, %s, sum(humans) FROM daily_link_clicks
    WHERE day >= %s AND day < %s
    GROUP BY link_id HAVING sum(humans) > 0
"""

# Busy days of links and of campaigns (see BusyDayStats): (o = owner, d = day) pairs.
_BUSY_LINK_DAYS = """
    SELECT link_id AS o, day AS d, humans AS h, bots AS b FROM daily_link_clicks
    WHERE day >= %s AND day < %s AND humans + bots >= %s
"""
_BUSY_CAMPAIGN_DAYS = """
    SELECT l.campaign_id AS o, d.day AS d, sum(d.humans) AS h, sum(d.bots) AS b
    FROM daily_link_clicks d JOIN links l ON l.id = d.link_id
    WHERE d.day >= %s AND d.day < %s AND l.campaign_id IS NOT NULL
    GROUP BY l.campaign_id, d.day HAVING sum(d.humans + d.bots) >= %s
"""
# {owner} is a column name of this module, {busy} one of the two queries above and {query}
# SQL compiled by the ORM: never text from outside.
_INSERT_BUSY_TOTALS = (
    "INSERT INTO busy_day_stats ({owner}, day, dimension, value, humans, bots) "
    "SELECT busy.o, busy.d, 'total', NULL, busy.h, busy.b FROM ({busy}) AS busy"
)
_INSERT_BUSY_DIMENSION = (
    "INSERT INTO busy_day_stats ({owner}, day, dimension, value, humans, bots) "
    "SELECT s.c, s.d, %s, s.k, s.h, s.b FROM ({query}) AS s "
    "JOIN ({busy}) AS busy ON busy.o = s.c AND busy.d = s.d"
)

# {query} is SQL compiled by the ORM (per-link, per-day counts), never text from outside.
_INSERT = (
    "INSERT INTO daily_link_clicks (link_id, day, humans, bots, qr, visitors) "
    "SELECT s.l, s.d, s.h, s.b, s.q, s.v FROM ({query}) AS s"
)

# Unique visitors are counted per unit (client, campaign) from the clicks: they do not add
# up from the links' rows. {query} is SQL compiled by the ORM, never text from outside.
_INSERT_CLIENT_VISITORS = (
    "INSERT INTO daily_client_stats (dimension, client_id, day, value, humans, bots) "
    "SELECT %s, s.c, s.d, NULL, s.v, 0 FROM ({query}) AS s WHERE s.v > 0"
)

_INSERT_CAMPAIGN_VISITORS = (
    "INSERT INTO daily_campaign_visitors (campaign_id, day, visitors) "
    "SELECT s.c, s.d, s.v FROM ({query}) AS s WHERE s.v > 0"
)


class Command(BaseCommand):
    help = "Roll clicks of complete past days up into daily per-link counts."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="Recompute from this day (YYYY-MM-DD) on.")
        parser.add_argument("--all", action="store_true", help="Recompute every day.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done.")

    def handle(self, *args, since=None, all=False, dry_run=False, **options):
        today = timezone.localdate()
        current = RollupWatermark.objects.filter(pk=1).first()
        if since:
            try:
                start = parse_date(since)
            except ValueError:
                start = None
            if start is None:
                raise CommandError(f"--since expects YYYY-MM-DD, not {since!r}.")
        elif all or current is None:
            first = Click.objects.order_by("timestamp").values_list("timestamp", flat=True).first()
            start = timezone.localdate(first) if first else today
        else:
            start = current.rolled_until
        if start > today:
            raise CommandError("--since is in the future.")
        if dry_run:
            self.stdout.write(f"Would roll up {(today - start).days} day(s), {start} to {today}.")
            return
        # A chunk of days per transaction: a long first run neither holds one huge
        # transaction nor loses finished chunks when interrupted; the watermark follows.
        tz = timezone.get_current_timezone()
        rows = 0
        day = start
        days = max((today - start).days, 0)
        with Progress(self.stderr, "rollup_clicks", total=days, unit="days") as progress:
            while day < today:
                until = min(day + timedelta(days=CHUNK_DAYS), today)
                with transaction.atomic():
                    rows += roll_days(day, until, tz)
                    _advance(until, current)
                progress.update((until - day).days)
                day = until
            if day == start:
                # Nothing to roll, but a first run still records where rollups start.
                _advance(start, current)
            refresh_windows()
        self.stdout.write(
            f"Rolled up {(today - start).days} day(s) from {start}: {rows} link-day rows; "
            f"rollups complete before {max(today, start)}."
        )


def roll_days(first, last, tz):
    """Recompute the rollups of days [first, last) from raw clicks; returns link-day rows.

    One grouped scan per table and dimension for the whole range: far cheaper than a query
    per day when a year is rolled up at once.
    """
    start, end = day_start(first), day_start(last)
    DailyLinkClicks.objects.filter(day__gte=first, day__lt=last).delete()
    DailyClientStats.objects.filter(day__gte=first, day__lt=last).delete()
    BusyDayStats.objects.filter(day__gte=first, day__lt=last).delete()
    DailyCampaignVisitors.objects.filter(day__gte=first, day__lt=last).delete()
    # The ORM writes each day's SQL for the database at hand (PostgreSQL's AT TIME ZONE, the
    # quick start's SQLite functions), the same day the reports' TruncDate reads.
    clicks = Click.objects.order_by().filter(timestamp__gte=start, timestamp__lt=end)
    day = TruncDate("timestamp", tzinfo=tz)
    counts = {"h": Count("id", filter=HUMAN), "b": Count("id", filter=BOT)}
    with connection.cursor() as cursor:
        # The same scan counts the link's human QR scans (the channels report).
        per_link = clicks.values(l=F("link_id"), d=day).annotate(
            **counts, q=Count("id", filter=HUMAN & Q(is_qr=True)), v=visitors_count()
        )
        sql, params = per_link.values_list("l", "d", "h", "b", "q", "v").query.sql_with_params()
        cursor.execute(_INSERT.format(query=sql), params)
        rows = cursor.rowcount
        cursor.execute(_INSERT_CLIENT_TOTALS, [first, last])
        humans = clicks.filter(HUMAN)
        per_client = humans.values(c=F("link__client_id"), d=day).annotate(v=visitors_count())
        sql, params = per_client.values_list("c", "d", "v").query.sql_with_params()
        cursor.execute(_INSERT_CLIENT_VISITORS.format(query=sql), [VISITORS, *params])
        per_campaign = (
            humans.filter(link__campaign_id__isnull=False)
            .values(c=F("link__campaign_id"), d=day)
            .annotate(v=visitors_count())
        )
        sql, params = per_campaign.values_list("c", "d", "v").query.sql_with_params()
        cursor.execute(_INSERT_CAMPAIGN_VISITORS.format(query=sql), params)
        _insert_dimensions(cursor, clicks, day, "link__client_id")
        busy = [first, last, BUSY_DAY_CLICKS]
        for owner, key, busy_sql in (
            ("link_id", "link_id", _BUSY_LINK_DAYS),
            ("campaign_id", "link__campaign_id", _BUSY_CAMPAIGN_DAYS),
        ):
            cursor.execute(_INSERT_BUSY_TOTALS.format(owner=owner, busy=busy_sql), busy)
            # Only the clicks of owners with a busy day in the range are grouped.
            marked = BusyDayStats.objects.filter(
                day__gte=first, day__lt=last, dimension="total", **{f"{owner}__isnull": False}
            ).values(owner)
            scoped = clicks.filter(**{f"{key}__in": marked})
            _insert_dimensions(cursor, scoped, day, key, owner=owner, busy=(busy_sql, busy))
    return rows


def _insert_dimensions(cursor, clicks, day, key, owner=None, busy=None):
    """Per-dimension rows of `clicks` grouped by `key` and day: client stats, or (with an
    `owner` column and its `busy` days' query and parameters) busy-day stats."""
    counts = {"h": Count("id", filter=HUMAN), "b": Count("id", filter=BOT)}
    # Each dimension's value comes from the same expression the raw reports group by.
    for dimension in [*DIMENSIONS, "bot_reasons", *TRAFFIC_DIMENSIONS]:
        grouped = (
            clicks.values(c=F(key), d=day, k=dimension_expression(dimension))
            .annotate(**counts)
            .values_list("c", "d", "k", "h", "b")
        )
        sql, params = grouped.query.sql_with_params()
        if owner is None:
            cursor.execute(_INSERT_DIMENSION.format(query=sql), [dimension, *params])
        else:
            busy_sql, busy_params = busy
            statement = _INSERT_BUSY_DIMENSION.format(owner=owner, query=sql, busy=busy_sql)
            cursor.execute(statement, [dimension, *params, *busy_params])


@transaction.atomic
def refresh_windows():
    """Recompute the per-link sums of the standard windows ending at the watermark."""
    until = RollupWatermark.objects.values_list("rolled_until", flat=True).get(pk=1)
    LinkWindowClicks.objects.all().delete()
    with connection.cursor() as cursor:
        for days in WINDOW_DAYS:
            cursor.execute(_INSERT_WINDOW, [days, until, until - timedelta(days=days), until])


def _advance(until, current):
    """Move the watermark forward (never back: a --since rerun refreshes, it does not
    hide rolled days)."""
    watermark, _ = RollupWatermark.objects.get_or_create(pk=1, defaults={"rolled_until": until})
    if watermark.rolled_until < until:
        RollupWatermark.objects.filter(pk=1).update(rolled_until=until, updated_at=timezone.now())
