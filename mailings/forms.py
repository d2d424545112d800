"""The dashboard's report subscription form."""

from django import forms
from django.core.exceptions import ValidationError

from .models import LANGUAGES, SECTION_NAMES, SECTIONS, ReportSubscription, parse_recipients


class SubscriptionForm(forms.ModelForm):
    recipients = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Email addresses, one per line or separated by commas: colleagues or the "
        "client's own people.",
    )
    sections = forms.MultipleChoiceField(
        choices=SECTIONS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The period's totals next to the previous period's are always there.",
    )
    language = forms.ChoiceField(choices=LANGUAGES, label="Language of the dates", initial="en")

    class Meta:
        model = ReportSubscription
        fields = ["recipients", "frequency", "sections", "language", "is_active"]
        widgets = {"frequency": forms.RadioSelect}
        labels = {"is_active": "Send this report"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new row already has its uuid: _state says whether it is saved.
        if not self.instance._state.adding:
            self.initial["recipients"] = "\n".join(self.instance.recipients)
        else:
            # A new subscription's empty list would hide the field's initial (every section).
            self.initial["sections"] = SECTION_NAMES
            del self.fields["is_active"]

    def clean_recipients(self):
        try:
            return parse_recipients(self.cleaned_data["recipients"])
        except ValidationError as error:
            raise ValidationError(error.messages) from error
