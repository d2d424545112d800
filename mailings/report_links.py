"""The link in each email: a share page (sharing app) of the period's report, with a fixed
range, so the client's people open it without signing in."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from sharing import services as sharing

# The email's sections and the share page's: the page adds the channels and the
# breakdowns by country, device and referrer an email has no room for.
_PAGE_SECTIONS = {"chart": "chart", "top_links": "top_links", "bots": "bots"}


def create_share_link(subscription, period):
    """(ShareLink, its URL) showing `period` of the subscription's client or campaign."""
    sections = {"channels", "breakdowns"} | {
        _PAGE_SECTIONS[s] for s in subscription.sections if s in _PAGE_SECTIONS
    }
    days = settings.REPORT_SHARE_DAYS
    share, token = sharing.create_share(
        subscription.subject,
        created_by=subscription.created_by,
        sections=sections,
        start_day=period.start,
        end_day=period.last_day,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
        title=f"{subscription.subject_name}, {period.start:%Y-%m-%d} to {period.last_day:%Y-%m-%d}",
    )
    return share, sharing.share_url(token)
