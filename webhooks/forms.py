"""The dashboard's subscription form: parses input; webhooks.services decides."""

from django import forms

from .models import EVENT_TYPES
from .targets import MAX_URL_LENGTH


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label="Target URL",
        max_length=MAX_URL_LENGTH,
        widget=forms.URLInput(attrs={"size": 60, "placeholder": "https://"}),
        help_text="Where each event is POSTed as JSON: https, on a public address.",
    )
    events = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {label}") for name, label in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    description = forms.CharField(
        max_length=200, required=False, help_text="Optional: what receives them, for you."
    )

    def apply_errors(self, error):
        """Put a service ValidationError next to the fields it names."""
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
