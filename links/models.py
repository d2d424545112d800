import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from . import branding
from .destinations import normalize_destination
from .names import name_key, normalize_name
from .querystrings import SCAN_MARKER


class TimestampedModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NamedQuerySet(models.QuerySet):
    def keyed(self):
        """Rows with `name_key`: their name as the unique index compares it."""
        return self.annotate(name_key=Lower("name"))

    def _named(self, name):
        return self.keyed().filter(name_key=name_key(name))


class ClientQuerySet(NamedQuerySet):
    def named(self, name):
        """The client whose name is `name` by the names rule (links/names.py): at most one."""
        return self._named(name)


class CampaignQuerySet(NamedQuerySet):
    def named(self, client, name):
        """The campaign of `client` (a client or its id) named `name`: at most one."""
        return self.filter(client=client)._named(name)


class NamedModel(TimestampedModel):
    """A client or campaign: its name is stored normalised, and a name that clashes with
    another row's (links/names.py) is a field error on `name`, never an IntegrityError."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.name = normalize_name(self.name)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.name = normalize_name(self.name)

    def validate_constraints(self, exclude=None):
        exclude = set(exclude or ())
        errors = {}
        other = self.name_clash() if "name" not in exclude else None
        if other is not None:
            errors["name"] = [self.name_taken_error(other)]
        # The name's index and check are what name_clash() and clean() just did, with a
        # field error instead of Django's "Constraint … is violated".
        try:
            super().validate_constraints(exclude=exclude | {"name"})
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def name_clash(self):
        """The other row whose name this one's would clash with, or None."""
        raise NotImplementedError

    def name_taken_message(self, other):
        raise NotImplementedError

    def name_taken_error(self, other=None):
        """The field error for a clash, naming the other row's spelling."""
        other = other or self.name_clash()
        return ValidationError(
            self.name_taken_message(other.name if other else self.name), code="name_taken"
        )


def _name_is_trimmed(name):
    # Spaces only: Python's strip() removes more, so every stored name passes.
    return models.CheckConstraint(condition=models.Q(name=Trim("name")), name=name)


class Client(NamedModel):
    """A customer of the agency. Table `clients`; names unique by the names rule."""

    name = models.CharField(max_length=200)
    # Branding of the client's portal, shared report pages and reports (links/branding.py).
    logo = models.FileField(
        upload_to=branding.logo_path,
        blank=True,
        default="",
        db_default="",
        max_length=300,
        validators=[branding.validate_logo],
        help_text="PNG, JPEG or WebP; shown in the header of the portal and shared pages.",
    )
    accent_color = models.CharField(
        "accent colour",
        max_length=7,
        blank=True,
        default="",
        db_default="",
        validators=[branding.validate_accent],
        help_text="A hex colour such as #0b6e4f; empty: the app's own green.",
    )
    # Exact email domains whose Google sign-ins are admitted as this client's viewers
    # (portal/admission.py); stored lower-case.
    portal_domains = models.JSONField(default=list, db_default=[], blank=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        db_table = "clients"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="clients_name_lower_key"),
            _name_is_trimmed("clients_name_trimmed"),
        ]

    def __str__(self):
        return self.name

    def name_clash(self):
        return Client.objects.named(self.name).exclude(pk=self.pk).first()

    def name_taken_message(self, other):
        return f"A client named “{other}” already exists."


class Campaign(NamedModel):
    """A marketing campaign of one client. Table `campaigns`; names unique per client by
    the names rule."""

    name = models.CharField(max_length=200)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="campaigns")

    objects = CampaignQuerySet.as_manager()

    class Meta:
        db_table = "campaigns"
        ordering = ["client__name", "name"]
        constraints = [
            models.UniqueConstraint(
                models.F("client"), Lower("name"), name="campaigns_client_name_lower_key"
            ),
            _name_is_trimmed("campaigns_name_trimmed"),
        ]

    def __str__(self):
        return f"{self.client} / {self.name}" if self.client_id else self.name

    def name_clash(self):
        # A form that edits only the name (rename) still has the instance's client.
        if self.client_id is None:
            return None
        return Campaign.objects.named(self.client_id, self.name).exclude(pk=self.pk).first()

    def name_taken_message(self, other):
        return f"Client “{self.client.name}” already has a campaign named “{other}”."


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


def redirects_now(is_active, expires_at, now):
    """The live-link rule: a link redirects while its active flag is on and its expiry, if
    any, is ahead. `live_links` is the same rule in SQL; the redirect's cached targets
    (links.resolver.Target) answer it with this function."""
    return is_active and (expires_at is None or expires_at > now)


def live_links(now):
    """The live-link rule as a filter (see `redirects_now`)."""
    return models.Q(is_active=True) & (
        models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
    )


class LinkQuerySet(models.QuerySet):
    def live(self, now=None):
        """Links that redirect now (`redirects_now`)."""
        return self.filter(live_links(now or timezone.now()))


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
        """Whether the link redirects now (`redirects_now`)."""
        return redirects_now(self.is_active, self.expires_at, now or timezone.now())

    @property
    def short_url(self):
        """The public short URL, as printed on posters and shared."""
        return f"{settings.SHORT_LINK_BASE_URL.rstrip('/')}/{self.short_code}"

    @property
    def qr_url(self):
        """What the link's QR code encodes: the short URL marked so a visit counts as a scan."""
        return f"{self.short_url}?{SCAN_MARKER}"


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


class UtmRules(models.Model):
    """A client's optional UTM rules, checked by links.utm on every link written. Table
    `client_utm_rules`; empty lists mean "anything"."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, primary_key=True, related_name="utm_rules"
    )
    allowed_sources = models.JSONField(default=list, blank=True)
    allowed_mediums = models.JSONField(default=list, blank=True)
    required = models.JSONField(default=list, blank=True)
    lowercase = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "client_utm_rules"
        verbose_name_plural = "UTM rules"

    def __str__(self):
        return f"UTM rules of {self.client}"
