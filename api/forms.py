from django import forms

from accounts import policy
from links.models import Client

from .models import SCOPES


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What uses the key, e.g. “Zapier: new campaign links”."
    )
    scopes = forms.MultipleChoiceField(
        choices=list(SCOPES.items()), widget=forms.CheckboxSelectMultiple
    )
    expires_at = forms.DateTimeField(
        label="Expires at",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Optional. After this moment the key is refused.",
    )
    clients = forms.ModelMultipleChoiceField(
        queryset=Client.objects.order_by("name"),
        required=False,
        help_text="Optional: the key sees only these clients. None chosen: every client.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what the person's role allows, only their clients: a key never has more.
        allowed = set(policy.allowed_scopes(user, SCOPES))
        self.fields["scopes"].choices = [c for c in SCOPES.items() if c[0] in allowed]
        self.fields["clients"].queryset = policy.scope(self.fields["clients"].queryset, user)
        if policy.is_limited(user):
            self.fields[
                "clients"
            ].help_text = "Optional: the key sees only these clients. None chosen: all of yours."

    def apply_errors(self, error):
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
