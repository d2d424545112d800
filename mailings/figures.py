"""The figures of one emailed report, from the report module: the period next to the one
before it, its days, top links and campaigns, bots by reason."""

from analytics.reports import figures as reports
from analytics.reports.periods import Scope
from links.models import Campaign

from . import periods


def scope_of(subscription):
    if subscription.campaign_id:
        return Scope(campaign_id=subscription.campaign_id)
    return Scope(client_id=subscription.client_id)


def _comparison(label, current, before):
    return {
        "label": label,
        "current": current,
        "previous": before,
        "change": reports.change(current, before),
    }


def _top_campaigns(client_id, period, limit):
    """[(campaign, humans)] of a client, most first. Two total queries per campaign (a client
    has tens of campaigns, and this runs once per email, not per page view)."""
    ranked = []
    for campaign in Campaign.objects.filter(client_id=client_id).order_by("name"):
        humans = reports.totals(Scope(campaign_id=campaign.pk), period)["humans"]
        if humans:
            ranked.append((campaign, humans))
    ranked.sort(key=lambda pair: (-pair[1], pair[0].name))
    return ranked[:limit]


def report_figures(subscription, period, limit=reports.TOP):
    """Everything the email and its PDF show for `period` (a periods.ReportPeriod)."""
    scope = scope_of(subscription)
    current = period.as_period()
    before_period = periods.previous(subscription.frequency, period)
    now_totals = reports.totals(scope, current)
    before = reports.totals(scope, before_period.as_period())
    sections = set(subscription.sections)
    figures = {
        "period": period,
        "previous_period": before_period,
        "comparison": [
            _comparison("Human clicks", now_totals["humans"], before["humans"]),
            _comparison("Bot clicks", now_totals["bots"], before["bots"]),
        ],
        "series": reports.clicks_over_time(scope, current) if "chart" in sections else None,
        "top_links": reports.top_links(scope, current, limit) if "top_links" in sections else None,
        "top_campaigns": None,
        "bot_reasons": reports.bot_reasons(scope, current, limit) if "bots" in sections else None,
    }
    if "top_campaigns" in sections and not subscription.campaign_id:
        figures["top_campaigns"] = _top_campaigns(subscription.client_id, current, limit)
    return figures
