"""The rows of a report's CSV download: the dashboard's and a shared page's are the same."""

HEADER = ["section", "key", "human_clicks", "bot_clicks"]


def rows(figures, *, bots=True, bot_reasons=True):
    """The CSV rows of `figures` (reports.report()); `bots=False` leaves every bot figure
    out, `bot_reasons=False` the reasons behind the verdicts."""
    yield HEADER
    yield ["total", "", figures["totals"]["humans"], figures["totals"]["bots"] if bots else ""]
    for bucket, humans, bot_count in figures["series"]:
        yield [
            "hour" if figures["hourly"] else "day",
            bucket.isoformat(),
            humans,
            bot_count if bots else "",
        ]
    for label, _kind, count in figures.get("channels", []):
        yield ["channel", label, count, ""]
    for key, _label, ranked in figures["breakdowns"]:
        for value, count in ranked:
            yield [key, value or "(unknown)", count, ""]
    if bots and bot_reasons:
        for value, count in figures["bot_reasons"]:
            yield ["bot_reason", value, "", count]
    for link, count in figures.get("top_links", []):
        yield ["link", link.short_code, count, ""]
