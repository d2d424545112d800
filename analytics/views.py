"""Metrics pages (overview; client, campaign and link reports; a client's or campaign's
invalid traffic) and their CSV exports."""

from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from analytics import compare
from analytics.reports import invalid_traffic as traffic
from analytics.reports.charts import bar_chart, stacked_chart
from analytics.reports.comparisons import compared, humans_by
from analytics.reports.exports import RAW_COLUMNS, RAW_COLUMNS_WITHOUT_IPS, raw_clicks_csv
from analytics.reports.figures import overview as overview_figures
from analytics.reports.figures import report
from analytics.reports.periods import Scope, last_days, previous
from analytics.reports.report_csv import rows as report_rows
from links.destinations import shown_destination
from links.lookups import fetch
from links.models import Campaign, Client, Link
from macondo import downloads

from .forms import RangeForm

K_CLIENT = "link__client_id"

# Bytes per streamed chunk of a raw-click export.
EXPORT_BLOCK = 64 * 1024


@login_required
def overview(request):
    policy.require(request.user, "view")
    if policy.is_limited(request.user):
        return _limited_overview(request)
    year = request.GET.get("compare") == "year"
    figures = overview_figures(year=year)
    chart = bar_chart(figures["series"], False, figures["previous_series"])
    context = {"figures": figures, "year": year, "chart": chart}
    return render(request, "analytics/overview.html", context)


def _limited_overview(request):
    """The agency-wide figures are not for people who see only some clients: their
    clients' last 30 days instead, or straight to the one client's page."""
    clients = list(policy.visible_clients(request.user).order_by("name"))
    if len(clients) == 1:
        return redirect("analytics:client", pk=clients[0].pk)
    month = last_days(30)
    ids = [client.pk for client in clients]
    now, before = humans_by(K_CLIENT, ids, month), humans_by(K_CLIENT, ids, previous(month))
    rows = [(client, compared(now[client.pk], before[client.pk])) for client in clients]
    return render(request, "analytics/overview_limited.html", {"rows": rows, "period": month})


def _scope_of(user, kind, pk, action="view"):
    """(object, Scope) for 'clients' / 'campaigns' / 'links' and a primary key, if `user`
    may do `action` on it (404 / 403 otherwise)."""
    if kind == "links":
        obj = fetch(user, Link, pk, action)
        return obj, Scope(link_id=obj.pk)
    if kind == "campaigns":
        obj = fetch(user, Campaign, pk, action)
        return obj, Scope(campaign_id=obj.pk)
    if kind == "clients":
        obj = fetch(user, Client, pk, action)
        return obj, Scope(client_id=obj.pk)
    raise Http404("No such report.")


def _range_query(request):
    """The date range of this request as a query string, for its exports and links."""
    return urlencode({k: v for k, v in request.GET.items() if k in ("range", "start", "end")})


def _report_page(request, kind, obj, scope, template, side=None, **extra):
    """A report page; `side` = (key, objects): those campaigns or links side by side."""
    form = RangeForm(request.GET or None)
    period = form.period()
    figures = report(scope, period, year=form.year())
    query = _range_query(request)
    if side:
        sort = compare.sort_of(request)
        extra["side"] = compare.rows(*side, period, scope, sort)
        extra["sort"] = sort
        extra["sort_links"] = compare.sort_links(request, sort)
    context = {
        "object": obj,
        "kind": kind,
        "form": form,
        "range_label": form.label(),
        "period": period,
        "figures": figures,
        "chart": bar_chart(figures["series"], figures["hourly"], figures["previous"]["series"]),
        "query": query,
        **extra,
    }
    return render(request, template, context)


@login_required
def client_report(request, pk):
    obj, scope = _scope_of(request.user, "clients", pk)
    campaigns = list(
        Campaign.objects.filter(client_id=pk).annotate(link_count=Count("links")).order_by("name")
    )
    return _report_page(
        request,
        "clients",
        obj,
        scope,
        "analytics/client.html",
        side=("link__campaign_id", campaigns),
        campaigns=campaigns,
        invalid_traffic_url=reverse("analytics:client-invalid-traffic", args=[pk]),
    )


@login_required
def campaign_report(request, pk):
    obj, scope = _scope_of(request.user, "campaigns", pk)
    links = list(Link.objects.filter(campaign_id=pk).order_by("name", "short_code"))
    return _report_page(
        request,
        "campaigns",
        obj,
        scope,
        "analytics/campaign.html",
        side=("link_id", links),
        invalid_traffic_url=reverse("analytics:campaign-invalid-traffic", args=[pk]),
    )


@login_required
def link_report(request, pk):
    link, scope = _scope_of(request.user, "links", pk)
    share_text = f"{link.name or 'Have a look'}: {link.short_url}"
    return _report_page(
        request,
        "links",
        link,
        scope,
        "analytics/link.html",
        link=link,
        tags=list(link.tags.all()),
        destination=shown_destination(link.original_url),
        whatsapp_share="https://wa.me/?" + urlencode({"text": share_text}),
        email_share="mailto:?"
        + urlencode({"subject": link.name or link.short_code, "body": share_text}, quote_via=quote),
        live=link.is_live(),
    )


def _filename(obj, period, what):
    return downloads.period_name(what, getattr(obj, "short_code", None) or obj.name, period)


@login_required
def clicks_csv(request, kind, pk):
    obj, scope = _scope_of(request.user, kind, pk, "export_raw")
    period = RangeForm(request.GET or None).period()
    columns = RAW_COLUMNS if policy.can(request.user, "see_ips") else RAW_COLUMNS_WITHOUT_IPS

    def blocks():
        yield from downloads.csv_blocks([columns])
        yield from raw_clicks_csv(scope, period, EXPORT_BLOCK, columns=columns)

    return downloads.csv_response(blocks(), _filename(obj, period, "clicks"))


@login_required
def report_csv(request, kind, pk):
    obj, scope = _scope_of(request.user, kind, pk, "export_report")
    period = RangeForm(request.GET or None).period()
    figures = report(scope, period)
    bot_details = policy.can(request.user, "see_bot_details")
    rows = report_rows(figures, bot_reasons=bot_details)
    return downloads.csv_response(downloads.csv_blocks(rows), _filename(obj, period, "report"))


# The invalid-traffic page's URL names by kind (clients and campaigns only: a link's own bot
# panel on its report page says as much about one link).
_TRAFFIC_URLS = {"clients": "client-invalid-traffic", "campaigns": "campaign-invalid-traffic"}


@login_required
def invalid_traffic(request, kind, pk):
    """Bot clicks, their reasons, networks and datacenter share of a client or campaign:
    the verdicts' evidence, so for people who may see bot details only."""
    obj, scope = _scope_of(request.user, kind, pk, "see_bot_details")
    form = RangeForm(request.GET or None)
    period = form.period()
    figures = traffic.invalid_traffic(scope, period)
    query = _range_query(request)
    context = {
        "object": obj,
        "kind": kind,
        "form": form,
        "range_label": form.label(),
        "period": period,
        "figures": figures,
        "chart": stacked_chart(figures["series"], figures["hourly"]),
        "time_zone": timezone.get_current_timezone_name(),
        "report_url": reverse(f"analytics:{kind.removesuffix('s')}", args=[pk]),
        "csv_url": reverse(f"analytics:{_TRAFFIC_URLS[kind]}-csv", args=[pk]),
        "query": query,
    }
    return render(request, "analytics/invalid_traffic.html", context)


@login_required
def invalid_traffic_csv(request, kind, pk):
    obj, scope = _scope_of(request.user, kind, pk, "see_bot_details")
    policy.require(request.user, "export_report", obj)
    period = RangeForm(request.GET or None).period()
    rows = traffic.csv_rows(traffic.invalid_traffic(scope, period))
    return downloads.csv_response(
        downloads.csv_blocks(rows), _filename(obj, period, "invalid-traffic")
    )
