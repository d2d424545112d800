from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from analytics.models import BOT, HUMAN, Click
from webhooks import events as webhook_events

from . import services, utm
from .models import Campaign, Client, Link, LinkTag, Tag
from .names import is_name_clash, name_keys


def _click_count(kind):
    """Clicks of each listed link (HUMAN or BOT) in one correlated subquery, not one query
    per row."""
    counted = (
        Click.objects.filter(kind, link=OuterRef("pk"))
        .order_by()
        .values("link")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class CampaignListFilter(admin.RelatedFieldListFilter):
    """Campaign choices are labelled with their client: fetch both in one query."""

    def field_choices(self, field, request, model_admin):
        campaigns = Campaign.objects.select_related("client").order_by("client__name", "name")
        return [(campaign.pk, str(campaign)) for campaign in campaigns]


class NameRaceAdmin(admin.ModelAdmin):
    """The forms refuse a clashing client or campaign name with a field error. When another
    session saves that name between the check and this save, the unique index refuses the
    write: the page is then answered again, and its validation now names the clash."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as error:
            if not is_name_clash(error):
                raise
            # The failed attempt was rolled back whole (the view runs in one transaction).
            return super().changeform_view(request, object_id, form_url, extra_context)


class CampaignInlineFormSet(forms.BaseInlineFormSet):
    """Two rows of one client's campaigns may not take the same name (each row's own
    validation only sees the names already stored)."""

    def clean(self):
        super().clean()
        named = [
            form
            for form in self.forms
            if form.cleaned_data.get("name") and not self._should_delete_form(form)
        ]
        keys = name_keys(form.cleaned_data["name"] for form in named)
        first = {}
        for form in named:
            key = keys[form.cleaned_data["name"]]
            if key in first:
                form.add_error(
                    "name", f"Another row here is also named “{first[key].cleaned_data['name']}”."
                )
            else:
                first[key] = form


class CampaignInline(admin.TabularInline):
    model = Campaign
    formset = CampaignInlineFormSet
    extra = 0
    fields = ["name", "created_at"]
    readonly_fields = ["created_at"]
    show_change_link = True


@admin.register(Client)
class ClientAdmin(NameRaceAdmin):
    list_display = ["name", "campaign_count", "link_count", "created_at"]
    search_fields = ["name"]
    list_filter = ["created_at"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CampaignInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                campaign_count=Count("campaigns", distinct=True),
                link_count=Count("links", distinct=True),
            )
        )

    @admin.display(description="Campaigns", ordering="campaign_count")
    def campaign_count(self, obj):
        return obj.campaign_count

    @admin.display(description="Links", ordering="link_count")
    def link_count(self, obj):
        return obj.link_count


@admin.register(Campaign)
class CampaignAdmin(NameRaceAdmin):
    list_display = ["name", "client", "link_count", "created_at"]
    list_select_related = ["client"]
    search_fields = ["name", "client__name"]
    list_filter = ["client", "created_at"]
    autocomplete_fields = ["client"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(link_count=Count("links"))

    @admin.display(description="Links", ordering="link_count")
    def link_count(self, obj):
        return obj.link_count


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "link_count", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(link_count=Count("link_tags"))

    @admin.display(description="Links", ordering="link_count")
    def link_count(self, obj):
        return obj.link_count


class LinkTagInline(admin.TabularInline):
    model = LinkTag
    extra = 1
    fields = ["tag", "assigned_at"]
    readonly_fields = ["assigned_at"]
    autocomplete_fields = ["tag"]
    verbose_name = "tag"
    verbose_name_plural = "tags"


class LinkChangeForm(forms.ModelForm):
    """A link in the admin: the client's UTM rules (links.utm) shown on the destination
    before links.services, which checks them again, is asked to write it."""

    def _post_clean(self):
        super()._post_clean()  # Link.clean has normalised the destination
        link = self.instance
        if "original_url" in self.errors or not link.client_id:
            return
        problems = utm.violations(link.original_url, utm.rules_of(link.client_id))
        for message in problems.values():
            self.add_error("original_url", message)


class LinkAddForm(LinkChangeForm):
    """Adding a link: a typed short code is a custom alias, checked by links.services
    (format, reserved words, taken in any case); blank generates a code."""

    short_code = forms.CharField(
        required=False,
        label="Short code",
        help_text="Leave blank for a generated code, or type an alias: 3–50 letters, "
        "digits, “-” or “_”. Codes are case-sensitive and can never be changed.",
    )

    class Meta:
        model = Link
        fields = [
            "short_code",
            "name",
            "original_url",
            "client",
            "campaign",
            "user",
            "expires_at",
            "is_active",
            "forward_query",
        ]

    def clean_short_code(self):
        alias = self.cleaned_data["short_code"].strip()
        if alias:
            try:
                services.check_alias(alias)
            except ValidationError as error:
                raise ValidationError(error.message_dict["alias"]) from None
        return alias


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = [
        "short_code",
        "name",
        "original_url",
        "client",
        "campaign",
        "is_active",
        "expires_at",
        "human_clicks",
        "bot_clicks",
        "created_at",
    ]
    list_select_related = ["client", "campaign__client", "user"]
    search_fields = ["short_code", "name", "original_url", "client__name", "campaign__name"]
    list_filter = [
        "is_active",
        "client",
        ("campaign", CampaignListFilter),
        "tags",
        "created_at",
        "expires_at",
    ]
    autocomplete_fields = ["client", "campaign", "user"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [LinkTagInline]
    date_hierarchy = None
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(human_clicks=_click_count(HUMAN), bot_clicks=_click_count(BOT))
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = LinkAddForm if obj is None else LinkChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # A code may already be printed on a poster: it never changes.
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + ["short_code"] if obj is not None else readonly

    def get_changeform_initial_data(self, request):
        return {"user": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        """Every write goes through links.services, the one place of the link rules."""
        if change:
            fields = services.EDITABLE_FIELDS & set(form.changed_data)
            services.update_link(obj, **{field: getattr(obj, field) for field in fields})
            return
        link = services.create_link(
            user=obj.user,
            client=obj.client,
            original_url=obj.original_url,
            name=obj.name,
            campaign=obj.campaign,
            alias=form.cleaned_data["short_code"] or None,
            expires_at=obj.expires_at,
            is_active=obj.is_active,
            forward_query=obj.forward_query,
        )
        # The inline tag formsets save against `obj`: make it the stored link.
        obj.pk, obj.short_code, obj._state = link.pk, link.short_code, link._state
        obj.created_at, obj.updated_at = link.created_at, link.updated_at

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            # The tag inline saves after the link: its event did not have the new tags.
            webhook_events.link_updated(form.instance)

    def delete_model(self, request, obj):
        services.delete_link(obj)

    def delete_queryset(self, request, queryset):
        for link in queryset:
            services.delete_link(link)

    @admin.display(description="Human clicks", ordering="human_clicks")
    def human_clicks(self, obj):
        return obj.human_clicks

    @admin.display(description="Bot clicks", ordering="bot_clicks")
    def bot_clicks(self, obj):
        return obj.bot_clicks
