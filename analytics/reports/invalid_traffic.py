"""The figures of a client's or campaign's invalid-traffic page: the evidence an agency
shows a client when a partner's traffic looks bought.

Bot clicks and their share, bot clicks by decisive reason, clicks by network (human and
bot each) with whether the network is a datacenter's, the share of clicks from datacenter
networks, and bot and human clicks over time. Aggregate SQL only, a fixed number of queries:
a client's complete days before the watermark come from its rollups (DailyClientStats'
"bot_reasons" and the TRAFFIC_DIMENSIONS), a campaign's busy days from its BusyDayStats,
everything else from one GROUP BY over raw clicks through the (link, timestamp) index.
"""

from collections import Counter

from django.db.models import Count, Sum

from analytics.models import BOT, HUMAN
from analytics.reports.dimensions import TRAFFIC_DIMENSIONS, dimension_expression, network_of
from analytics.reports.figures import clicks_over_time
from analytics.reports.periods import plan_of, watermark
from analytics.verdicts.datacenters import is_datacenter
from analytics.verdicts.reasons import describe

TOP_NETWORKS = 20
_GROUPS = ("bot_reasons", *TRAFFIC_DIMENSIONS)


def share(part, whole):
    """`part` as a percentage of `whole` with one decimal, None of nothing."""
    return round(part * 100 / whole, 1) if whole else None


def _counts(scope, period, rolled_until):
    """{dimension: (humans Counter, bots Counter)} by value, for the page's dimensions."""
    plan = plan_of(scope, period, rolled_until, known=True)
    counts = {dimension: (Counter(), Counter()) for dimension in _GROUPS}
    stats, raw = plan.breakdown_sources()
    if stats is not None:
        rows = (
            stats.filter(dimension__in=_GROUPS)
            .values("dimension", "value")
            .annotate(h=Sum("humans"), b=Sum("bots"))
            .values_list("dimension", "value", "h", "b")
        )
        for dimension, value, humans, bots in rows:
            counts[dimension][0][value] += humans
            counts[dimension][1][value] += bots
    if raw is not None:
        # One GROUP BY for every dimension: the clicks are read once.
        keys = {f"d_{dimension}": dimension_expression(dimension) for dimension in _GROUPS}
        grouped = raw.values(**keys).annotate(
            h=Count("id", filter=HUMAN), b=Count("id", filter=BOT)
        )
        for row in grouped:
            for dimension in _GROUPS:
                counts[dimension][0][row[f"d_{dimension}"]] += row["h"]
                counts[dimension][1][row[f"d_{dimension}"]] += row["b"]
    return counts


def _networks(humans, bots, limit):
    """The `limit` networks with the most clicks (human and bot), ties by value."""
    values = set(humans) | set(bots)
    ranked = sorted(
        (value for value in values if humans[value] + bots[value]),
        key=lambda value: (-(humans[value] + bots[value]), value is None, str(value)),
    )
    rows = []
    for value in ranked[:limit]:
        number, org = network_of(value)
        rows.append(
            {
                "label": _label(value, number, org),
                "asn_number": number,
                "asn_org": org,
                "humans": humans[value],
                "bots": bots[value],
                # The list's answer now, for reading the row; the datacenter share counts
                # the verdict's stored evidence (dimensions.DATACENTER).
                "datacenter": value is not None and is_datacenter(number, org),
            }
        )
    return rows, len(ranked)


def _label(value, number, org):
    """A network as the page and the CSV name it: "AS16509 AMAZON-02", "(unknown)"."""
    if value is None:
        return "(unknown)"
    asn = f"AS{number}" if number is not None else ""
    return " ".join(part for part in (asn, org) if part) or "(unknown)"


def invalid_traffic(scope, period, limit=TOP_NETWORKS):
    """Every figure of the invalid-traffic page of a client or campaign for one period."""
    rolled_until = watermark()
    series = clicks_over_time(scope, period, rolled_until, known=True)
    humans = sum(h for _, h, _ in series)
    bots = sum(b for _, _, b in series)
    counts = _counts(scope, period, rolled_until)
    reasons = sorted(
        ((code, n) for code, n in counts["bot_reasons"][1].items() if n),
        key=lambda kv: (-kv[1], str(kv[0])),
    )
    networks, network_count = _networks(*counts["networks"], limit)
    dc_humans, dc_bots = (counts["datacenter"][i]["yes"] for i in (0, 1))
    return {
        "totals": {"humans": humans, "bots": bots, "clicks": humans + bots},
        "bot_share": share(bots, humans + bots),
        "reasons": [(code, describe(code), n, share(n, bots)) for code, n in reasons],
        "networks": networks,
        "network_count": network_count,
        "datacenter": {
            "humans": dc_humans,
            "bots": dc_bots,
            "clicks": dc_humans + dc_bots,
            "share": share(dc_humans + dc_bots, humans + bots),
            "human_share": share(dc_humans, humans),
        },
        "series": series,
        "hourly": period.hourly,
    }


HEADER = ["section", "key", "human_clicks", "bot_clicks"]


def csv_rows(figures):
    """The CSV rows of `figures` (invalid_traffic()), as report_csv's: section, key,
    human clicks, bot clicks; empty where a figure has no such count."""
    yield HEADER
    totals = figures["totals"]
    yield ["total", "", totals["humans"], totals["bots"]]
    datacenter = figures["datacenter"]
    yield ["datacenter", "yes", datacenter["humans"], datacenter["bots"]]
    yield [
        "datacenter",
        "no",
        totals["humans"] - datacenter["humans"],
        totals["bots"] - datacenter["bots"],
    ]
    for code, _words, count, _share in figures["reasons"]:
        yield ["bot_reason", code, "", count]
    for row in figures["networks"]:
        section = "network_datacenter" if row["datacenter"] else "network"
        yield [section, row["label"], row["humans"], row["bots"]]
    for bucket, humans, bots in figures["series"]:
        yield ["hour" if figures["hourly"] else "day", bucket.isoformat(), humans, bots]
