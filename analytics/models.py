import uuid

from django.db import models
from django.utils import timezone

# The human-click rule: the verdict stored when the click was written said "not a bot"
# (analytics.verdicts.bots); reports never judge again. BOT is every other click. Use them
# in filters and in filtered aggregates (Count("id", filter=HUMAN)); Click.objects.humans()
# and Click.is_human are the same rule on a queryset and on one row.
HUMAN = models.Q(is_bot=False)
BOT = ~HUMAN


class ClickQuerySet(models.QuerySet):
    def humans(self):
        return self.filter(HUMAN)


class Click(models.Model):
    """One visit of a short link. Table `clicks`; the bot verdict is decided when written."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No single-column index: clicks_link_timestamp_idx (link, timestamp) serves every lookup
    # by link, and one index fewer makes every click INSERT and the import cheaper.
    link = models.ForeignKey(
        "links.Link", on_delete=models.CASCADE, related_name="clicks", db_index=False
    )
    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(null=True, blank=True)
    country = models.CharField(max_length=2, null=True, blank=True)
    city = models.CharField(max_length=200, null=True, blank=True)
    is_bot = models.BooleanField(default=False)
    # Every reason code that fired, comma-separated, decisive one first (see analytics.verdicts.bots).
    bot_reason = models.CharField(max_length=200, null=True, blank=True)
    # Added after the Macondo schema: what later analytics need, decided at write time.
    referrer = models.TextField(null=True, blank=True)
    browser = models.CharField(max_length=100, null=True, blank=True)
    os = models.CharField(max_length=100, null=True, blank=True)
    device_type = models.CharField(max_length=20, null=True, blank=True)
    asn_number = models.PositiveIntegerField(null=True, blank=True)
    asn_org = models.CharField(max_length=255, null=True, blank=True)
    bot_score = models.PositiveSmallIntegerField(null=True, blank=True)
    # The visit came from the link's QR code (its short URL with links.querystrings'
    # SCAN_MARKER). A default in the database: adding the column rewrites no row, and
    # writers that do not name it (older workers, the legacy import) store False.
    is_qr = models.BooleanField(default=False, db_default=False)

    objects = ClickQuerySet.as_manager()

    class Meta:
        db_table = "clicks"
        ordering = ["-timestamp"]
        indexes = [
            # Per-link reports over a time range read only this index's range.
            models.Index(fields=["link", "timestamp"], name="clicks_link_timestamp_idx"),
        ]

    def __str__(self):
        return f"{self.link_id} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"

    @property
    def is_human(self):
        """The human-click rule (HUMAN) on this row."""
        return not self.is_bot


class DailyLinkClicks(models.Model):
    """Human and bot clicks of one link on one day (TIME_ZONE), for complete past days.

    Maintained by `manage.py rollup_clicks`; reports read these rows for days before the
    watermark and raw clicks after it, so fresh clicks show at once.
    """

    # The unique (link, day) index serves lookups by link: no separate foreign-key index.
    link = models.ForeignKey(
        "links.Link", on_delete=models.CASCADE, related_name="daily_clicks", db_index=False
    )
    day = models.DateField()
    humans = models.PositiveIntegerField(default=0)
    bots = models.PositiveIntegerField(default=0)
    # Of `humans`, those that came through the link's QR code (Click.is_qr): the channels
    # report (analytics.reports.channels). Rows rolled before the column existed hold 0
    # until `rollup_clicks --all` recomputes them.
    qr = models.PositiveIntegerField(default=0, db_default=0)
    # Unique visitors of the link that day (analytics.reports.visitors). A default in the
    # database: adding the column rewrites no row.
    visitors = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "daily_link_clicks"
        constraints = [
            # Covering: per-link sums over a period (the link list's sort) read the index only.
            models.UniqueConstraint(
                fields=["link", "day"],
                include=["humans", "bots"],
                name="daily_link_clicks_link_day_key",
            ),
        ]
        indexes = [
            # The overview sums whole days across all links: an index-only scan.
            models.Index(
                fields=["day"], include=["link", "humans", "bots"], name="daily_link_clicks_day_idx"
            ),
        ]

    def __str__(self):
        return f"{self.link_id} {self.day}: {self.humans} humans, {self.bots} bots"


class DailyClientStats(models.Model):
    """One client's clicks on one day, in total and by each report dimension.

    `dimension` is "total" (value NULL), "visitors" (value NULL; `humans` holds the day's
    unique visitors of the client, see analytics.reports.visitors, `bots` 0), a key of
    analytics.reports.dimensions.DIMENSIONS, or
    "bot_reasons", or a key of TRAFFIC_DIMENSIONS (the invalid-traffic page's "networks",
    "datacenter"); `value` is what the report shows (a country code, "City (CC)", a
    referrer host, "ASN|organisation"…). Client and overview pages read these instead of scanning clicks.
    Maintained with DailyLinkClicks by `manage.py rollup_clicks`.
    """

    client = models.ForeignKey(
        "links.Client", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    dimension = models.CharField(max_length=20)
    value = models.TextField(null=True, blank=True)
    humans = models.PositiveIntegerField(default=0)
    bots = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "daily_client_stats"
        indexes = [
            models.Index(fields=["client", "dimension", "day"], name="daily_client_stats_idx"),
            # The overview: totals of every client by day.
            models.Index(
                fields=["dimension", "day"],
                include=["client", "humans", "bots"],
                name="daily_client_stats_dim_day_idx",
            ),
        ]

    def __str__(self):
        return f"{self.client_id} {self.day} {self.dimension}={self.value}: {self.humans}"


class DailyCampaignVisitors(models.Model):
    """Unique visitors of one campaign on one day (TIME_ZONE), for complete past days.

    Counted across the campaign's links (analytics.reports.visitors): a visitor of two of
    its links is one visitor of the campaign. Maintained by `manage.py rollup_clicks`.
    """

    # The unique (campaign, day) index serves lookups by campaign.
    campaign = models.ForeignKey(
        "links.Campaign", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    visitors = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "daily_campaign_visitors"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day"],
                include=["visitors"],
                name="daily_campaign_visitors_key",
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.day}: {self.visitors} visitors"


# A campaign or link day with at least this many clicks (humans and bots) gets its own
# breakdown rows (BusyDayStats). A busy link's clicks lie scattered over the whole clicks
# table (one per page or so), so reading 25,000 of them costs 25,000 page reads; a quiet
# day's few clicks are cheap to read raw and would only bloat the table.
BUSY_DAY_CLICKS = 50


class BusyDayStats(models.Model):
    """One busy day of a campaign or of a link, in total and by each report dimension: the
    rows of DailyClientStats (dimension, value, humans, bots) for those smaller scopes,
    kept only for days with at least BUSY_DAY_CLICKS clicks. The "total" row of a day
    marks it as kept; a report reads the other days of its period raw. Maintained by
    `manage.py rollup_clicks` with the other rollups."""

    campaign = models.ForeignKey(
        "links.Campaign", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    link = models.ForeignKey(
        "links.Link", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    dimension = models.CharField(max_length=20)
    value = models.TextField(null=True, blank=True)
    humans = models.PositiveIntegerField(default=0)
    bots = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "busy_day_stats"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(campaign__isnull=True) ^ models.Q(link__isnull=True),
                name="busy_day_stats_one_scope",
            ),
        ]
        indexes = [
            models.Index(
                fields=["campaign", "day"],
                condition=models.Q(campaign__isnull=False),
                name="busy_day_stats_campaign_idx",
            ),
            models.Index(
                fields=["link", "day"],
                condition=models.Q(link__isnull=False),
                name="busy_day_stats_link_idx",
            ),
        ]

    def __str__(self):
        owner = self.link_id or self.campaign_id
        return f"{owner} {self.day} {self.dimension}={self.value}: {self.humans}"


class LinkWindowClicks(models.Model):
    """Human clicks of each link over the `days` complete days before `until`.

    The link list's sort and the overview's top links cover the same few windows again and
    again (the last 7, 30 or 90 days); summing their daily rows for 20,000 links on every
    page view is the slow part, so `rollup_clicks` keeps the sums. Read only while `until`
    equals the rollup watermark; fresh clicks are added from raw clicks.
    """

    link = models.ForeignKey(
        "links.Link", on_delete=models.CASCADE, related_name="window_clicks", db_index=False
    )
    days = models.PositiveSmallIntegerField()
    until = models.DateField()
    humans = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "link_window_clicks"
        constraints = [
            models.UniqueConstraint(
                fields=["link", "days"], include=["until", "humans"], name="link_window_clicks_key"
            ),
        ]
        indexes = [
            models.Index(fields=["days", "-humans"], name="link_window_clicks_top_idx"),
        ]

    def __str__(self):
        return f"{self.link_id} {self.days} days to {self.until}: {self.humans}"


class RollupWatermark(models.Model):
    """One row: rollups are complete for every day before `rolled_until`."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    rolled_until = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rollup_watermark"

    def __str__(self):
        return f"rolled up until {self.rolled_until}"
