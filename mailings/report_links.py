"""The link in each email to the period's report page."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse


def report_url(subscription, period):
    """The dashboard's report page of the period (staff sign in to see it)."""
    if subscription.campaign_id:
        path = reverse("analytics:campaign", args=[subscription.campaign_id])
    else:
        path = reverse("analytics:client", args=[subscription.client_id])
    query = urlencode(
        {"range": "custom", "start": period.start.isoformat(), "end": period.last_day.isoformat()}
    )
    return f"{settings.REPORT_LINK_BASE_URL.rstrip('/')}{path}?{query}"
