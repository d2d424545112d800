from django import forms
from django.utils import timezone

from .models import ROLLING_CHOICES, SECTIONS

RANGE_CHOICES = [(str(days), label) for days, label in ROLLING_CHOICES] + [("fixed", "Fixed days")]
MAX_FIXED_DAYS = 400


class ShareForm(forms.Form):
    title = forms.CharField(
        required=False, max_length=200, help_text="Optional: shown as the page's heading."
    )
    sections = forms.MultipleChoiceField(
        choices=list(SECTIONS.items()),
        initial=["chart", "channels", "breakdowns", "top_links"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The totals always show.",
    )
    range = forms.ChoiceField(
        choices=RANGE_CHOICES,
        initial="30",
        widget=forms.RadioSelect,
        help_text="A rolling range always ends now; fixed days never change.",
    )
    start_day = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_day = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_at = forms.DateTimeField(
        label="Expires at",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Optional. After this moment the page answers “gone”.",
    )
    password = forms.CharField(
        required=False,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Optional. Tell it to the client by another channel than the link.",
    )

    def clean(self):
        data = super().clean()
        if data.get("range") == "fixed":
            start, end = data.get("start_day"), data.get("end_day")
            if not start:
                self.add_error("start_day", "Choose the first day.")
            if not end:
                self.add_error("end_day", "Choose the last day.")
            if start and end:
                if end < start:
                    self.add_error("end_day", "The last day is before the first day.")
                elif (end - start).days >= MAX_FIXED_DAYS:
                    self.add_error("end_day", f"Choose at most {MAX_FIXED_DAYS} days.")
        expires_at = data.get("expires_at")
        if expires_at and expires_at <= timezone.now():
            self.add_error("expires_at", "Choose a moment in the future.")
        return data

    def share_arguments(self):
        """Keyword arguments of services.create_share."""
        data = self.cleaned_data
        fixed = data["range"] == "fixed"
        return {
            "title": data["title"],
            "sections": data["sections"],
            "rolling_days": None if fixed else int(data["range"]),
            "start_day": data["start_day"] if fixed else None,
            "end_day": data["end_day"] if fixed else None,
            "expires_at": data["expires_at"],
            "password": data["password"],
        }
