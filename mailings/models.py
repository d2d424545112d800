"""Report subscriptions (who gets which client's or campaign's report, how often) and one
Delivery row per subscription and period: the row is inserted before the email is sent, and
its unique (subscription, period_start) is what makes each period's email go out once."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q

from links.models import Campaign, Client

# Parts of the report an email may show; the period's totals next to the previous
# period's are always there.
SECTIONS = [
    ("chart", "Chart of human clicks by day"),
    ("top_links", "Top links"),
    ("top_campaigns", "Top campaigns (client reports)"),
    ("bots", "Bot clicks by reason"),
]
SECTION_NAMES = [name for name, _ in SECTIONS]

# Languages the dates of a report can be written in (Django's own translations).
LANGUAGES = [("en", "English"), ("es", "Español")]

MAX_RECIPIENTS = 20


def parse_recipients(text):
    """Addresses from text separated by commas, semicolons or new lines: lower-cased,
    duplicates dropped, each checked; ValidationError names the bad ones."""
    found, bad = [], []
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        address = part.strip().lower()
        if not address or address in found:
            continue
        try:
            validate_email(address)
        except ValidationError:
            bad.append(part.strip())
        else:
            found.append(address)
    if bad:
        raise ValidationError(f"Not an email address: {', '.join(bad)}.")
    if not found:
        raise ValidationError("Give at least one recipient.")
    if len(found) > MAX_RECIPIENTS:
        raise ValidationError(f"At most {MAX_RECIPIENTS} recipients.")
    return found


class ReportSubscription(models.Model):
    """A client's or a campaign's report, emailed every week or month. Table
    `report_subscriptions`."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly (Monday to Sunday)"
        MONTHLY = "monthly", "Monthly (calendar month)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, null=True, blank=True, related_name="report_subscriptions"
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="report_subscriptions",
    )
    recipients = models.JSONField(default=list)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    sections = models.JSONField(default=list)
    language = models.CharField(max_length=8, choices=LANGUAGES, default="en")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "report_subscriptions"
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                name="report_subscription_one_scope",
                condition=(
                    Q(client__isnull=False, campaign__isnull=True)
                    | Q(client__isnull=True, campaign__isnull=False)
                ),
            )
        ]

    def __str__(self):
        return f"{self.get_frequency_display().split(' ')[0]} report of {self.subject_name}"

    @property
    def subject(self):
        """The client or campaign the report is about."""
        return self.campaign or self.client

    @property
    def subject_name(self):
        if self.campaign_id:
            return f"{self.campaign.client.name} / {self.campaign.name}"
        return self.client.name

    @property
    def owning_client(self):
        return self.campaign.client if self.campaign_id else self.client

    def clean(self):
        if bool(self.client_id) == bool(self.campaign_id):
            raise ValidationError("A report is about one client or one campaign.")
        # Forms check the typed text themselves (an empty list here is their field error).
        if self.recipients:
            try:
                self.recipients = parse_recipients(",".join(self.recipients))
            except ValidationError as error:
                raise ValidationError({"recipients": error.messages}) from error
        unknown = set(self.sections) - set(SECTION_NAMES)
        if unknown:
            raise ValidationError({"sections": f"Unknown sections: {', '.join(sorted(unknown))}"})


class Delivery(models.Model):
    """One subscription's email for one period. Table `report_deliveries`.

    SENDING is a claim: the row is inserted (or taken over) before the email is built and
    sent, and becomes SENT once the SMTP server accepted it. A claim older than
    REPORT_CLAIM_TIMEOUT_SECONDS is a worker that died mid-send and is taken over; a failed
    send is RETRY until REPORT_MAX_ATTEMPTS, then FAILED.
    """

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        RETRY = "retry", "Failed, will retry"
        FAILED = "failed", "Failed, gave up"

    id = models.BigAutoField(primary_key=True)
    subscription = models.ForeignKey(
        ReportSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    period_start = models.DateField()
    period_end = models.DateField(help_text="The first day after the period.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    attempts = models.PositiveIntegerField(default=1)
    claimed_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list)
    # The shared page the email linked to (its token is stored hashed only: a retry makes
    # a new one and revokes this).
    share_link = models.ForeignKey(
        "sharing.ShareLink", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(blank=True, default="")

    class Meta:
        db_table = "report_deliveries"
        ordering = ["-period_start"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start"], name="report_delivery_once_per_period"
            )
        ]

    def __str__(self):
        return f"{self.subscription} {self.period_start}–{self.period_end}: {self.status}"
