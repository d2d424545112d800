"""The redirect: `GET`/`HEAD /<code>`, the hot path.

Nothing here loads a session, the user or a template for a good link: a cached lookup,
one appended spool line (analytics.clicks.tracking) and a 302. A link this worker has cached is
answered even before Django, by `links.fast_redirect` (in `macondo.wsgi`), with the same
helpers; this view answers the rest: cache misses, 404/410/503, plain http, other methods.
"""

from functools import cache

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from analytics.clicks import tracking

from .querystrings import merge_query, without_scan_marker
from .resolver import LookupUnavailable, resolve
from .shortcodes import looks_like_code

# No browser or proxy may keep the redirect.
_NO_CACHE = "no-store, max-age=0"
# Seconds a client is told to wait when the database cannot be asked.
RETRY_AFTER_SECONDS = 5


@cache
def _page(template):
    return render_to_string(template)


def unstored(response):
    """Every answer to /<code> is neither cached nor indexed: each click must reach us."""
    response["Cache-Control"] = _NO_CACHE
    response["X-Robots-Tag"] = "noindex"
    return response


def _small_page(template, status):
    return unstored(HttpResponse(_page(template), status=status))


def not_found():
    """The 404 of a code no link has (or a deactivated link: it is gone)."""
    return _small_page("links/link_not_found.html", 404)


def unavailable_page():
    response = _small_page("links/link_unavailable.html", 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def destination(target, query_string):
    """Where a visit goes: the link's destination, with the visitor's query string merged
    in unless the link turns forwarding off."""
    if target.forward_query and query_string:
        return merge_query(target.destination, query_string)
    return target.destination


# csrf_exempt: nothing here reads a form; a POST gets a plain 405, not a CSRF 403.
@login_not_required
@csrf_exempt
@require_safe
def follow(request, code):
    if not looks_like_code(code):
        return not_found()
    try:
        target = resolve(code)
    except LookupUnavailable:
        return unavailable_page()
    if target is None or not target.is_active:
        return not_found()
    if not target.is_live(timezone.now()):
        return _small_page("links/link_expired.html", 410)  # active, but past its expiry
    query_string, scanned = without_scan_marker(request.META.get("QUERY_STRING"))
    tracking.record(request.META, target.link_id, scanned=scanned)
    return unstored(HttpResponseRedirect(destination(target, query_string)))
