"""Dashboard forms. Link writes go through links.services; these forms only parse input."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from accounts import policy
from macondo.uuids import parse_uuid

from . import branding, utm
from .models import Campaign, Client, Link, Tag
from .names import is_name_clash

MAX_IMPORT_BYTES = 2 * 1024 * 1024


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class LinkForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    original_url = forms.CharField(
        label="Destination URL", max_length=4096, widget=forms.URLInput(attrs={"size": 60})
    )
    client = forms.ModelChoiceField(queryset=Client.objects.all(), empty_label="Choose a client")
    campaign = CampaignChoiceField(
        queryset=Campaign.objects.select_related("client"),
        required=False,
        empty_label="No campaign",
        help_text="Only the chosen client's campaigns are offered.",
    )
    tags = forms.CharField(
        required=False,
        max_length=1000,
        help_text="Comma-separated, e.g. summer, instagram",
        widget=forms.TextInput(attrs={"list": "tag-suggestions", "autocomplete": "off"}),
    )
    alias = forms.CharField(
        label="Custom alias",
        required=False,
        max_length=100,
        help_text="Optional: 3–50 letters, digits, - or _. Empty: a random code.",
    )
    expires_at = forms.DateTimeField(
        label="Expires at",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Optional. After this moment the short link stops redirecting.",
    )
    forward_query = forms.BooleanField(
        label="Forward the visitor's query string to the destination",
        required=False,
        initial=True,
    )

    def __init__(self, *args, user, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_visible(self, user)
        if editing:
            # The short code never changes once printed.
            del self.fields["alias"]
        for name in utm.PARAMETERS:
            self.fields[name] = forms.CharField(
                label=name,
                required=False,
                # No max_length: links.utm reports the length in its own words, with the
                # other fields' problems (the request's size is capped anyway).
                widget=forms.TextInput(attrs={"autocomplete": "off", "data-utm": name}),
            )
        self.fields[
            "utm_campaign"
        ].help_text = "Empty: the campaign's name as a slug, when any other UTM field is filled."

    def utm_fields(self):
        return [self[name] for name in utm.PARAMETERS]

    def clean(self):
        """The UTM fields as one `utm_values` mapping, what links.services takes: a blank
        field leaves the destination's own parameter as it is."""
        data = super().clean()
        data["utm_values"] = {name: data.pop(name, "") for name in utm.PARAMETERS}
        return data

    def campaign_options(self):
        """(campaign, client id, utm_campaign slug) for the select, so the page scripts can
        filter and default utm_campaign."""
        return [(c, c.client_id, utm.campaign_slug(c)) for c in self.fields["campaign"].queryset]

    def apply_errors(self, error):
        """Put a service ValidationError next to the fields it names."""
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


def tag_suggestions(limit=500):
    return Tag.objects.order_by("name").values_list("name", flat=True)[:limit]


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name"]


class ClientBrandingForm(forms.ModelForm):
    """The client's logo and accent colour (links/branding.py checks both)."""

    accent_color = forms.CharField(
        label="Accent colour",
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "#0b6e4f", "size": 8}),
        help_text="A hex colour such as #0b6e4f, for the client's portal and shared report "
        "pages; text on it is made dark or white, whichever reads better. Empty: the app's.",
    )

    class Meta:
        model = Client
        fields = ["logo", "accent_color"]
        widgets = {
            "logo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})
        }

    def clean_accent_color(self):
        return branding.normalize_accent(self.cleaned_data.get("accent_color"))


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["client", "name"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_visible(self, user)


def _offer_visible(form, user):
    """Offer only clients (and campaigns) `user` may see: another one is an invalid choice."""
    for name in ("client", "campaign"):
        if name in form.fields:
            field = form.fields[name]
            field.queryset = policy.scope(field.queryset, user)


class CampaignRenameForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name"]


def save_named(form):
    """Save a valid client or campaign form; None when the name was taken meanwhile.

    The form already refused a clashing name; a row saved by someone else in between makes
    the unique index refuse this one, and that is the same field error on the form."""
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError as error:
        if not is_name_clash(error):
            raise
        form.add_error("name", form.instance.name_taken_error())
        return None


STATUS_CHOICES = [("", "Any status"), ("active", "Active"), ("inactive", "Inactive")]
SORT_CHOICES = [("newest", "Newest first"), ("clicks", "Most human clicks")]
PERIOD_CHOICES = [("30", "last 30 days"), ("7", "last 7 days"), ("90", "last 90 days")]


class LinkFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    client = forms.ModelChoiceField(
        queryset=Client.objects.all(), required=False, empty_label="All clients"
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.select_related("client"),
        required=False,
        empty_label="All campaigns",
    )
    tag = forms.CharField(required=False, max_length=100)
    creator = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(Exists(Link.objects.filter(user=OuterRef("pk")))),
        required=False,
        empty_label="Anyone",
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    created_from = forms.DateField(
        label="Created from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label="Created to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    period = forms.ChoiceField(label="Clicks in", choices=PERIOD_CHOICES, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_visible(self, user)
        if not policy.can(user, "view_staff_pages"):
            # Who created a link is the agency's business, not its clients'.
            del self.fields["creator"]
        # Offer only the chosen client's campaigns: thousands of options help nobody (and a
        # foreign campaign fails validation, as it should).
        data = self.data if self.is_bound else {}
        client, campaign = parse_uuid(data.get("client")), parse_uuid(data.get("campaign"))
        field = self.fields["campaign"]
        if client:
            field.queryset = field.queryset.filter(client_id=client)
        elif campaign:
            field.queryset = field.queryset.filter(pk=campaign)
        else:
            field.queryset = field.queryset.none()
            field.empty_label = "Choose a client first"

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "The end date is before the start date.")
        return data


class LinkImportForm(forms.Form):
    # An empty file is the import's to report, with the other problems of a file.
    file = forms.FileField(
        label="CSV file",
        allow_empty_file=True,
        help_text="UTF-8, separated by commas or semicolons. Columns: destination, client, "
        "campaign, tags, alias, name, utm_source, utm_medium, utm_campaign, utm_term, "
        "utm_content.",
    )

    def clean_file(self):
        """The file's bytes: links.imports reads them."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError("The file is larger than 2 MB; split it into smaller files.")
        return upload.read()


class UtmRulesForm(forms.Form):
    """A client's UTM rules (links.models.UtmRules): all blank means no rules."""

    allowed_sources = forms.CharField(
        label="Allowed utm_source values",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Comma- or line-separated, e.g. newsletter, facebook. Empty: any value.",
    )
    allowed_mediums = forms.CharField(
        label="Allowed utm_medium values",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Comma- or line-separated, e.g. email, social, print. Empty: any value.",
    )
    required = forms.MultipleChoiceField(
        label="Required parameters",
        required=False,
        choices=[(name, name) for name in utm.PARAMETERS],
        widget=forms.CheckboxSelectMultiple,
    )
    lowercase = forms.BooleanField(
        label="UTM values must be lowercase", required=False, initial=False
    )

    def _values(self, name):
        # Each value by the rules of a UTM value, so no rule allows what no link may carry.
        values = utm.split_list(self.cleaned_data[name])
        for value in values:
            try:
                utm.clean_values({"utm_source": value})
            except ValidationError:
                raise ValidationError(
                    f"“{value[:40]}” cannot be a UTM value: at most {utm.MAX_VALUE_CHARS} "
                    "characters, no control or invisible characters."
                ) from None
        return values

    def clean_allowed_sources(self):
        return self._values("allowed_sources")

    def clean_allowed_mediums(self):
        return self._values("allowed_mediums")

    @classmethod
    def of(cls, rules, data=None):
        initial = {}
        if rules is not None:
            initial = {
                "allowed_sources": ", ".join(rules.allowed_sources),
                "allowed_mediums": ", ".join(rules.allowed_mediums),
                "required": rules.required,
                "lowercase": rules.lowercase,
            }
        return cls(data, initial=initial)
