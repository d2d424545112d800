"""The client's admin page gains its branding and portal access (this app depends on links,
not the other way round)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from links import branding
from links.admin import ClientAdmin
from links.models import Client

from . import admission
from .models import PortalInvitation


class PortalInvitationInline(admin.TabularInline):
    model = PortalInvitation
    fields = ["email", "invited_by", "created_at"]
    readonly_fields = ["invited_by", "created_at"]
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _invitation_form(obj, formset.form)
        return formset


def _invitation_form(client, base):
    class InvitationForm(base):
        def clean_email(self):
            try:
                return admission.clean_invitation(client, self.cleaned_data["email"])
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None

    return InvitationForm


class ClientAdminForm(forms.ModelForm):
    portal_domains = forms.CharField(
        required=False,
        label="Portal domains",
        help_text="Comma-separated exact email domains whose Google sign-ins enter this "
        "client's portal as its viewers, e.g. acme.example.",
    )

    class Meta:
        model = Client
        fields = ["name", "logo", "accent_color", "portal_domains"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["portal_domains"] = ", ".join(self.instance.portal_domains or [])

    def clean_portal_domains(self):
        value = self.cleaned_data.get("portal_domains") or ""
        return admission.clean_domains(self.instance, value.split(","))

    def clean_accent_color(self):
        return branding.normalize_accent(self.cleaned_data.get("accent_color"))


admin.site.unregister(Client)


@admin.register(Client)
class PortalClientAdmin(ClientAdmin):
    form = ClientAdminForm
    inlines = [*ClientAdmin.inlines, PortalInvitationInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is PortalInvitation:
            for invitation in formset.save(commit=False):
                invitation.invited_by = invitation.invited_by or request.user
                invitation.save()
            for gone in formset.deleted_objects:
                gone.delete()
            return
        super().save_formset(request, form, formset, change)
