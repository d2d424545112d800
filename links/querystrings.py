"""Forwarding the visitor's query string to a link's destination, and the marker of a scan."""

from urllib.parse import unquote_plus

# A link's QR code encodes its short URL with this parameter: the redirect counts such a
# visit as a scan and takes the marker out before forwarding the query. A URL without it
# (every code printed before the marker existed) is an ordinary click.
SCAN_MARKER = "qr=1"


def without_scan_marker(query_string):
    """(`query_string` without the scan marker, whether it had it)."""
    if not query_string or SCAN_MARKER not in query_string:
        return query_string, False
    parts = query_string.split("&")
    kept = [part for part in parts if part != SCAN_MARKER]
    if len(kept) == len(parts):  # e.g. "faqr=1": another parameter
        return query_string, False
    return "&".join(kept), True


def _key(part):
    return unquote_plus(part.split("=", 1)[0])


def merge_query(destination, query_string):
    """`destination` with the visitor's parameters appended.

    The destination's own parameters come first and win: a visitor parameter whose name the
    destination already has is dropped (so `?utm_source=` on a printed link cannot be
    overridden). The visitor's other parameters keep their order, repeats and encoding.
    """
    if not query_string:
        return destination
    base, hash_mark, fragment = destination.partition("#")
    path, question_mark, own_query = base.partition("?")
    own = [part for part in own_query.split("&") if part]
    taken = {_key(part) for part in own}
    added = [part for part in query_string.split("&") if part and _key(part) not in taken]
    if not added:
        return destination
    query = "&".join(own + added)
    return f"{path}?{query}{hash_mark}{fragment}"
