from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import SECTIONS, Delivery, ReportSubscription, parse_recipients


class SubscriptionAdminForm(forms.ModelForm):
    recipients = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    sections = forms.MultipleChoiceField(
        choices=SECTIONS, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ReportSubscription
        fields = ["client", "campaign", "recipients", "frequency", "sections", "language"]
        fields += ["is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new row already has its uuid: _state says whether it is saved.
        if not self.instance._state.adding:
            self.initial["recipients"] = "\n".join(self.instance.recipients)

    def clean_recipients(self):
        try:
            return parse_recipients(self.cleaned_data["recipients"])
        except ValidationError as error:
            raise ValidationError(error.messages) from error


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["period_start", "period_end", "status", "attempts", "sent_at", "error"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionAdminForm
    list_display = ["__str__", "frequency", "language", "is_active", "created_at"]
    list_filter = ["frequency", "is_active", "language"]
    search_fields = ["client__name", "campaign__name", "campaign__client__name"]
    inlines = [DeliveryInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscription", "period_start", "status", "attempts", "sent_at"]
    list_filter = ["status", "period_start"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Deleting a failed delivery lets the scheduler send that period again.
        return False
