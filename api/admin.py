from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import keys
from .models import SCOPES, ApiKey


class ApiKeyAdminForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=list(SCOPES.items()), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ["name", "user", "scopes", "all_clients", "clients", "expires_at"]

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at and expires_at <= timezone.now() and not self.instance.pk:
            raise ValidationError("The expiry is in the past.")
        return expires_at


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Every colleague's keys. Adding one issues it through api.keys; the secret is shown
    once, in the message after saving. A key is revoked rather than edited."""

    form = ApiKeyAdminForm
    list_display = [
        "prefix",
        "name",
        "user",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "created_at"]
    search_fields = ["prefix", "name", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["clients"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "last_used_ip", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return [*ApiKeyAdminForm.Meta.fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "name", "user", "scopes", "all_clients", "expires_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        issued = keys.issue(
            user=obj.user,
            name=obj.name,
            scopes=obj.scopes,
            clients=None if obj.all_clients else [],
            expires_at=obj.expires_at,
        )
        # The admin then saves the form's clients on this instance: make it the issued key.
        obj.pk = issued.key.pk
        obj.prefix, obj.secret_hash = issued.key.prefix, issued.key.secret_hash
        obj.created_at = issued.key.created_at
        obj._state.adding = False
        messages.warning(request, f"Copy the new key now, it is shown only once: {issued.secret}")
        return None

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True):
            keys.revoke(key)
            revoked += 1
        self.message_user(request, f"{revoked} key(s) revoked.")
