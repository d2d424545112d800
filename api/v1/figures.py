"""Figures of a link, campaign or client for a period: the report pages' own figures
(analytics.reports.figures.report), and the raw clicks as JSON pages or a streamed CSV."""

from datetime import timedelta
from uuid import UUID

from django.db.models import F
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import AwareDatetime, Field

from accounts import policy
from analytics.forms import MAX_CUSTOM_DAYS
from analytics.reports.dimensions import DIMENSIONS
from analytics.reports.exports import RAW_COLUMNS, RAW_COLUMNS_WITHOUT_IPS, raw_clicks_csv
from analytics.reports.figures import report
from analytics.reports.periods import Period, Scope, day_start, last_days
from links.models import Link
from macondo import downloads

from .. import access, answers, pagination
from ..auth import STATS_READ
from ..problems import Problem, invalid
from ..schemas.figures import (
    BotReason,
    Breakdowns,
    Bucket,
    Channel,
    ClickList,
    ClickOut,
    Ranked,
    Stats,
    TopLink,
    Totals,
    VisitorDay,
)

router = Router(tags=["Figures"])

DEFAULT_DAYS = 30
CLICK_ORDER = [pagination.ascending_time("timestamp"), pagination.BY_ID]
_CSV_RESPONSE = {
    "responses": {
        200: {
            "description": "The raw clicks as CSV (a header line, then one click a line).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


class PeriodQuery(Schema):
    start: AwareDatetime | None = Field(
        None,
        alias="from",
        description="First instant, ISO 8601 with offset. Default: the start of the day 29 "
        "days ago (with `to` absent: the last 30 days, as the report pages).",
    )
    end: AwareDatetime | None = Field(
        None, alias="to", description="End (exclusive), ISO 8601 with offset; at most now."
    )


class ClickQuery(PeriodQuery):
    cursor: str | None = None
    limit: int = Field(pagination.DEFAULT_LIMIT, ge=1, le=pagination.MAX_LIMIT)


def _period(query):
    now = timezone.now()
    if query.start is None and query.end is None:
        return last_days(DEFAULT_DAYS, now)
    end = min(query.end or now, now)
    start = query.start or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        field = "from" if query.end is None or start > now else "to"
        raise invalid(
            [
                {
                    "field": field,
                    "code": "empty_period",
                    "message": "`from` must be before `to` (and before now).",
                }
            ]
        )
    if end - start > timedelta(days=MAX_CUSTOM_DAYS):
        raise invalid(
            [
                {
                    "field": "to",
                    "code": "period_too_long",
                    "message": f"Choose at most {MAX_CUSTOM_DAYS} days.",
                }
            ]
        )
    return Period(start, end)


def _scope(request, kind, pk):
    """(object, Scope) of a link, campaign or client the key may see, or 404."""
    if kind == "links":
        link = access.get_or_404(access.links(request, Link.objects.all()), pk, "link")
        return link, Scope(link_id=link.pk)
    if kind == "campaigns":
        campaign = access.get_or_404(access.campaigns(request), pk, "campaign")
        return campaign, Scope(campaign_id=campaign.pk)
    client = access.get_or_404(access.clients(request), pk, "client")
    return client, Scope(client_id=client.pk)


def _stats(request, kind, pk, query):
    _obj, scope = _scope(request, kind, pk)
    period = _period(query)
    figures = report(scope, period)
    tz = timezone.get_current_timezone()

    def start_of(bucket):
        return bucket if figures["hourly"] else day_start(bucket).astimezone(tz)

    ranked = {key: items for key, _label, items in figures["breakdowns"]}
    visitors_of = dict(figures["visitors_by_day"])
    top = figures.get("top_links")
    stats = Stats(
        start=period.start,
        end=period.end,
        granularity="hour" if figures["hourly"] else "day",
        totals=Totals(
            human_clicks=figures["totals"]["humans"],
            bot_clicks=figures["totals"]["bots"],
            visitors=figures["totals"]["visitors"],
        ),
        series=[
            Bucket(
                start=start_of(bucket),
                human_clicks=humans,
                bot_clicks=bots,
                visitors=None if figures["hourly"] else visitors_of[bucket],
            )
            for bucket, humans, bots in figures["series"]
        ],
        channels=[
            Channel(label=label, kind=kind, human_clicks=n)
            for label, kind, n in figures["channels"]
        ],
        visitors_by_day=[VisitorDay(day=day, visitors=n) for day, n in figures["visitors_by_day"]],
        breakdowns=Breakdowns(
            **{
                key: [Ranked(value=value, human_clicks=n) for value, n in ranked[key]]
                for key in DIMENSIONS
            }
        ),
        bot_reasons=[
            BotReason(reason=reason, bot_clicks=n) for reason, n in figures["bot_reasons"]
        ],
        top_links=(
            None
            if top is None
            else [
                TopLink(id=link.pk, short_code=link.short_code, name=link.name, human_clicks=n)
                for link, n in top
            ]
        ),
    )
    return answers.json(stats)


def _raw_allowed(request):
    """Whether raw clicks may go out, and whether with visitors' IP addresses: by the
    key owner's role."""
    owner = access.credential(request).user
    if not policy.can(owner, "export_raw"):
        raise Problem(
            403,
            "role_forbids",
            "Forbidden",
            "The role of this key's owner does not allow raw clicks.",
        )
    return policy.can(owner, "see_ips")


def _clicks(request, kind, pk, query):
    _obj, scope = _scope(request, kind, pk)
    with_ips = _raw_allowed(request)
    period = _period(query)
    clicks = (
        scope.clicks()
        .filter(timestamp__gte=period.start, timestamp__lt=period.end)
        .annotate(short_code=F("link__short_code"))
    )
    rows, cursor = pagination.page(clicks, CLICK_ORDER, query.cursor, query.limit)
    items = [
        ClickOut(
            id=click.pk,
            timestamp=click.timestamp,
            short_code=click.short_code,
            is_bot=click.is_bot,
            bot_reason=click.bot_reason,
            country=click.country,
            city=click.city,
            browser=click.browser,
            os=click.os,
            device_type=click.device_type,
            referrer=click.referrer,
            ip_address=click.ip_address if with_ips else None,
            user_agent=click.user_agent,
        )
        for click in rows
    ]
    return answers.json(ClickList(items=items, next_cursor=cursor))


def _clicks_csv(request, kind, pk, query):
    obj, scope = _scope(request, kind, pk)
    columns = RAW_COLUMNS if _raw_allowed(request) else RAW_COLUMNS_WITHOUT_IPS
    period = _period(query)

    def blocks():
        yield from downloads.csv_blocks([columns])
        yield from raw_clicks_csv(scope, period, columns=columns)

    name = downloads.period_name("clicks", getattr(obj, "short_code", None) or obj.name, period)
    return downloads.csv_response(blocks(), name)


def _stats_route(kind, what):
    return router.get(
        f"/{kind}/{{uuid:{what}_id}}/stats",
        response={200: Stats},
        auth=STATS_READ,
        summary=f"Figures of a {what}",
    )


def _clicks_route(kind, what):
    return router.get(
        f"/{kind}/{{uuid:{what}_id}}/clicks",
        response={200: ClickList},
        auth=STATS_READ,
        summary=f"Raw clicks of a {what}, oldest first",
    )


def _csv_route(kind, what):
    return router.get(
        f"/{kind}/{{uuid:{what}_id}}/clicks.csv",
        auth=STATS_READ,
        summary=f"Raw clicks of a {what} as CSV (streamed)",
        openapi_extra=_CSV_RESPONSE,
    )


@_stats_route("links", "link")
def link_stats(request, link_id: UUID, query: Query[PeriodQuery]):
    return _stats(request, "links", link_id, query)


@_clicks_route("links", "link")
def link_clicks(request, link_id: UUID, query: Query[ClickQuery]):
    return _clicks(request, "links", link_id, query)


@_csv_route("links", "link")
def link_clicks_csv(request, link_id: UUID, query: Query[PeriodQuery]):
    return _clicks_csv(request, "links", link_id, query)


@_stats_route("campaigns", "campaign")
def campaign_stats(request, campaign_id: UUID, query: Query[PeriodQuery]):
    return _stats(request, "campaigns", campaign_id, query)


@_clicks_route("campaigns", "campaign")
def campaign_clicks(request, campaign_id: UUID, query: Query[ClickQuery]):
    return _clicks(request, "campaigns", campaign_id, query)


@_csv_route("campaigns", "campaign")
def campaign_clicks_csv(request, campaign_id: UUID, query: Query[PeriodQuery]):
    return _clicks_csv(request, "campaigns", campaign_id, query)


@_stats_route("clients", "client")
def client_stats(request, client_id: UUID, query: Query[PeriodQuery]):
    return _stats(request, "clients", client_id, query)


@_clicks_route("clients", "client")
def client_clicks(request, client_id: UUID, query: Query[ClickQuery]):
    return _clicks(request, "clients", client_id, query)


@_csv_route("clients", "client")
def client_clicks_csv(request, client_id: UUID, query: Query[PeriodQuery]):
    return _clicks_csv(request, "clients", client_id, query)
