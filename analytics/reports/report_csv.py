"""The rows of a report's CSV download: the dashboard's and a shared page's are the same."""

# `visitors` is the last column, so readers of the first four columns read on unchanged: the
# total row's is the sum of daily uniques, a day row's that day's unique visitors.
HEADER = ["section", "key", "human_clicks", "bot_clicks", "visitors"]


def rows(figures, *, bots=True, bot_reasons=True):
    """The CSV rows of `figures` (reports.report()); `bots=False` leaves every bot figure
    out, `bot_reasons=False` the reasons behind the verdicts."""
    yield HEADER
    totals = figures["totals"]
    yield ["total", "", totals["humans"], totals["bots"] if bots else "", totals["visitors"]]
    if figures["hourly"]:
        for bucket, humans, bot_count in figures["series"]:
            yield ["hour", bucket.isoformat(), humans, bot_count if bots else "", ""]
        # Visitors are counted by local day, never by hour: a row per day the range touches.
        for day, visitors in figures["visitors_by_day"]:
            yield ["visitors_day", day.isoformat(), "", "", visitors]
    else:
        for day, humans, bot_count, visitors in figures["days"]:
            yield ["day", day.isoformat(), humans, bot_count if bots else "", visitors]
    for label, _kind, count in figures.get("channels", []):
        yield ["channel", label, count, "", ""]
    for key, _label, ranked in figures["breakdowns"]:
        for value, count in ranked:
            yield [key, value or "(unknown)", count, "", ""]
    if bots and bot_reasons:
        for value, count in figures["bot_reasons"]:
            yield ["bot_reason", value, "", count, ""]
    for link, count in figures.get("top_links", []):
        yield ["link", link.short_code, count, "", ""]
