"""Forwarding the visitor's query string to a link's destination."""

from urllib.parse import unquote_plus


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
