"""Human clicks by channel: where a visit came from, as the agency tagged it.

A scan of the link's QR code (Click.is_qr) is the channel "QR code", whatever the
destination says. Any other click takes the utm_source and utm_medium of its link's
destination as the destination is now (links.utm.source_and_medium): "source / medium",
"source" alone, or "(not tagged)". A destination edited later moves the link's past clicks
to its new channel; the tags are not stored with each click.

The database groups human clicks by (link, is_qr) only: rollups (DailyLinkClicks' humans
and qr) for complete days before the watermark, raw clicks after it. Links fold into
channels here, each destination parsed once: three queries however many links a scope has.
"""

from collections import Counter

from django.db.models import Count, Sum

from analytics.reports.periods import plan_of
from links import utm
from links.models import Link

QR = "qr"
TAGGED = "utm"
UNTAGGED = "untagged"

QR_LABEL = "QR code"
UNTAGGED_LABEL = "(not tagged)"
NO_SOURCE = "(no source)"


def channel_of(destination, is_qr=False):
    """(label, kind) of a click on a link with this destination."""
    if is_qr:
        return (QR_LABEL, QR)
    source, medium = utm.source_and_medium(destination)
    if source is None and medium is None:
        return (UNTAGGED_LABEL, UNTAGGED)
    if medium is None:
        return (source, TAGGED)
    return (f"{source or NO_SOURCE} / {medium}", TAGGED)


def humans_by_link(plan):
    """Counter {(link id, is_qr): human clicks} of a plan: one grouped query per part."""
    counts = Counter()
    # Not plan.link_sums: the kept windows (LinkWindowClicks) carry no QR scans.
    if plan.rolled is not None:
        rows = plan.rolled.values("link_id").annotate(h=Sum("humans"), q=Sum("qr"))
        for link_id, humans, scans in rows.values_list("link_id", "h", "q"):
            counts[(link_id, True)] += scans
            counts[(link_id, False)] += humans - scans
    if plan.raw is not None:
        rows = plan.raw.humans().values("link_id", "is_qr").annotate(n=Count("id"))
        for link_id, is_qr, n in rows.values_list("link_id", "is_qr", "n"):
            counts[(link_id, is_qr)] += n
    return +counts


def channels(scope, period, rolled_until=None, known=False, limit=None):
    """[(label, kind, humans)] of the channels with human clicks (the first `limit`; None:
    all), most first, ties by label. `kind` is QR, TAGGED or UNTAGGED; channels whose labels
    read the same (source "a / b", or source "a" with medium "b") are one."""
    counts = humans_by_link(plan_of(scope, period, rolled_until, known=known))
    # Only the links with clicks, in one query (in_bulk splits the list where SQLite's
    # limit on parameters requires).
    links = Link.objects.only("pk", "original_url").in_bulk({pk for pk, _ in counts})
    seen = {}
    by_channel = Counter()
    for (link_id, is_qr), n in counts.items():
        if link_id not in links:  # deleted meanwhile
            continue
        if is_qr:
            by_channel[channel_of(None, is_qr=True)] += n
            continue
        if link_id not in seen:
            seen[link_id] = channel_of(links[link_id].original_url)
        by_channel[seen[link_id]] += n
    ranked = sorted(
        ((label, kind, n) for (label, kind), n in by_channel.items()),
        key=lambda row: (-row[2], row[0], row[1]),
    )
    return ranked if limit is None else ranked[:limit]
