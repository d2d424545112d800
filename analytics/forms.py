from datetime import timedelta

from django import forms
from django.utils import timezone

from analytics.reports.periods import Period, day_start, last_days

RANGE_CHOICES = [
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
    ("custom", "Custom"),
]
DEFAULT_RANGE = "30d"
MAX_CUSTOM_DAYS = 400


class RangeForm(forms.Form):
    """The date-range picker of report pages; every figure on the page uses its period."""

    range = forms.ChoiceField(
        choices=RANGE_CHOICES, required=False, initial=DEFAULT_RANGE, widget=forms.RadioSelect
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    compare = forms.MultipleChoiceField(
        label="Compare",
        choices=[("year", "Also the same period a year earlier")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self):
        data = super().clean()
        if data.get("range") != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        today = timezone.localdate()
        if not start:
            self.add_error("start", "Choose the first day.")
        if not end:
            self.add_error("end", "Choose the last day.")
        if start and end:
            if start > end:
                self.add_error("end", "The last day is before the first day.")
            elif start > today:
                self.add_error("start", "The first day is in the future.")
            elif (end - start).days >= MAX_CUSTOM_DAYS:
                self.add_error("end", f"Choose at most {MAX_CUSTOM_DAYS} days.")
        return data

    def period(self, now=None):
        """The chosen Period; the default (30 days) when the form is empty or invalid."""
        now = now or timezone.now()
        choice = DEFAULT_RANGE
        if self.is_bound and self.is_valid():
            choice = self.cleaned_data.get("range") or DEFAULT_RANGE
        if choice == "24h":
            return Period(now - timedelta(hours=24), now)
        if choice == "custom":
            start, end = self.cleaned_data["start"], self.cleaned_data["end"]
            return Period(day_start(start), min(day_start(end + timedelta(days=1)), now))
        return last_days(int(choice.removesuffix("d")), now)

    def year(self):
        """Whether the figures are also compared with a year earlier (`compare=year`)."""
        return self.is_bound and self.is_valid() and "year" in self.cleaned_data["compare"]

    def label(self):
        choice = (
            self.cleaned_data.get("range") if self.is_bound and self.is_valid() else None
        ) or DEFAULT_RANGE
        if choice == "custom":
            return f"{self.cleaned_data['start']:%d %b %Y} – {self.cleaned_data['end']:%d %b %Y}"
        return dict(RANGE_CHOICES)[choice]
