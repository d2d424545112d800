import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .destinations import normalize_destination


class TimestampedModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Client(TimestampedModel):
    """A customer of the agency. Table `clients`."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        db_table = "clients"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Campaign(TimestampedModel):
    """A marketing campaign of one client. Table `campaigns`."""

    name = models.CharField(max_length=200)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="campaigns")

    class Meta:
        db_table = "campaigns"
        ordering = ["client__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="campaigns_client_name_key"),
        ]

    def __str__(self):
        return f"{self.client} / {self.name}" if self.client_id else self.name


class Tag(TimestampedModel):
    """A free-form label on links. Table `tags`; names are unique regardless of case."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        db_table = "tags"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="tags_name_lower_key"),
        ]

    def __str__(self):
        return self.name


class LinkQuerySet(models.QuerySet):
    def active(self, now=None):
        """Links that redirect: the active flag is on and the expiry, if any, is ahead."""
        now = now or timezone.now()
        return self.filter(is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class Link(TimestampedModel):
    """A short link. Table `links`."""

    name = models.CharField(max_length=200, blank=True, default="")
    original_url = models.TextField()
    short_code = models.CharField(max_length=100, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="links"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="links")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="links"
    )
    tags = models.ManyToManyField(Tag, through="LinkTag", related_name="links", blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Deactivating is the soft delete: the code is never reused and its clicks stay.
    is_active = models.BooleanField(default=True)
    # Append the visitor's own query string to the destination.
    forward_query = models.BooleanField(default=True)

    objects = LinkQuerySet.as_manager()

    class Meta:
        db_table = "links"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["-created_at"], name="links_created_at_idx"),
        ]

    def __str__(self):
        return self.short_code

    def clean(self):
        super().clean()
        errors = {}
        if self.original_url:
            try:
                self.original_url = normalize_destination(self.original_url)
            except ValidationError as error:
                errors["original_url"] = error.messages
        try:
            validate_campaign_belongs_to_client(self.campaign, self.client_id)
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)

    def is_live(self, now=None):
        """Whether the link redirects now (see LinkQuerySet.active for the same rule in SQL)."""
        now = now or timezone.now()
        return self.is_active and (self.expires_at is None or self.expires_at > now)

    def is_expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def short_url(self):
        """The public short URL, as printed on posters and shared."""
        return f"{settings.SHORT_LINK_BASE_URL.rstrip('/')}/{self.short_code}"


def validate_campaign_belongs_to_client(campaign, client_id):
    """The one place of the rule 'a link's campaign belongs to the link's client'."""
    if campaign is not None and client_id is not None and campaign.client_id != client_id:
        raise ValidationError(
            {"campaign": f"Campaign “{campaign.name}” belongs to another client."},
            code="campaign_client_mismatch",
        )


class LinkTag(models.Model):
    """The link–tag join. Table `link_tags`; one row per (link, tag)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="link_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="link_tags")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "link_tags"
        constraints = [
            models.UniqueConstraint(fields=["link", "tag"], name="link_tags_link_tag_key"),
        ]

    def __str__(self):
        return f"{self.link_id} · {self.tag_id}"
