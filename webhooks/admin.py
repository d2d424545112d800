from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import services
from .models import Attempt, Delivery, Event, Subscription


class SubscriptionAdminForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=[(name, name) for name in services.EVENT_NAMES],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Subscription
        fields = ["owner", "url", "description", "events"]

    def clean(self):
        data = super().clean()
        try:
            data.update(
                services.clean_fields(
                    url=data.get("url", ""),
                    events=data.get("events", []),
                    description=data.get("description", ""),
                )
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field, messages)
        return data


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionAdminForm
    list_display = ["url", "owner", "event_list", "status", "consecutive_failures", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["url", "description", "owner__email"]
    autocomplete_fields = ["owner"]
    readonly_fields = [
        "secret_hint",
        "status",
        "paused_at",
        "pause_reason",
        "consecutive_failures",
        "failing_since",
        "created_at",
        "updated_at",
    ]
    actions = ["pause", "resume"]

    @admin.display(description="Events")
    def event_list(self, obj):
        return ", ".join(obj.events)

    @admin.display(description="Secret")
    def secret_hint(self, obj):
        # The whole secret is on its owner's dashboard page only.
        return obj.secret_hint if obj.pk else "generated on save"

    @admin.action(description="Pause the selected subscriptions")
    def pause(self, request, queryset):
        for subscription in queryset:
            services.pause_subscription(
                subscription, reason=f"Paused in the admin by {request.user.get_full_name()}."
            )

    @admin.action(description="Resume the selected subscriptions")
    def resume(self, request, queryset):
        for subscription in queryset:
            services.resume_subscription(subscription)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ["started_at", "duration_ms", "status_code", "error", "response_excerpt"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "event_type",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event__type", "created_at"]
    search_fields = ["id", "subscription__url", "event__id"]
    list_select_related = ["event", "subscription"]
    inlines = [AttemptInline]
    show_full_result_count = False

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, obj):
        return obj.event.type


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "occurred_at"]
    list_filter = ["type", "occurred_at"]
    search_fields = ["id"]
    show_full_result_count = False
