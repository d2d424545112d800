"""Shared report links: a client's, campaign's or link's report behind `/r/<token>`."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from links.models import Campaign, Client, Link

# What a shared page may show; the staff member creating the link picks among these.
SECTIONS = {
    "chart": "Clicks over time",
    "channels": "Channels (QR code, UTM source / medium)",
    "breakdowns": "Breakdowns (countries, devices, referrers…)",
    "top_links": "Top links",
    "bots": "Bot clicks",
    "exports": "Report download (CSV)",
}
ROLLING_CHOICES = [(7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days")]


class ShareLinkQuerySet(models.QuerySet):
    def for_object(self, obj):
        """The share links of a client, campaign or link report."""
        kind = {Client: "client", Campaign: "campaign", Link: "link"}[type(obj)]
        return self.filter(**{kind: obj}).select_related("created_by")


class ShareLink(models.Model):
    """One shared report page. Only the SHA-256 of its token is stored: the URL is shown
    once, when the link is made, and a database leak reveals no working link."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The report's client always; campaign or link when the report is theirs.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="share_links")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    link = models.ForeignKey(
        Link, on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    title = models.CharField(max_length=200, blank=True, default="")
    sections = models.JSONField(default=list)
    # Either a rolling window of days ending now, or fixed first and last days.
    rolling_days = models.PositiveSmallIntegerField(null=True, blank=True)
    start_day = models.DateField(null=True, blank=True)
    end_day = models.DateField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    password = models.CharField(max_length=128, blank=True, default="")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    views = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    # Wrong passwords in the current window (sharing/passwords.py).
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    attempts_window_start = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        db_table = "share_links"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(rolling_days__isnull=False, start_day__isnull=True)
                    | models.Q(rolling_days__isnull=True, start_day__isnull=False)
                ),
                name="share_links_one_kind_of_range",
            ),
            models.CheckConstraint(
                condition=models.Q(start_day__isnull=True)
                | models.Q(end_day__gte=models.F("start_day")),
                name="share_links_fixed_range_ordered",
            ),
        ]

    def __str__(self):
        return self.title or f"Share of {self.subject}"

    @property
    def subject(self):
        """The object whose report is shared."""
        return self.link or self.campaign or self.client

    @property
    def kind(self):
        return "link" if self.link_id else "campaign" if self.campaign_id else "client"

    def is_revoked(self):
        return self.revoked_at is not None

    def is_expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def is_open(self, now=None):
        return not self.is_revoked() and not self.is_expired(now)

    @property
    def has_password(self):
        return bool(self.password)

    def shows(self, section):
        return section in self.sections
