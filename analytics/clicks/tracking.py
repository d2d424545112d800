"""Turning a redirect request into a spooled click.

`record()` is all the redirect calls: the view and the WSGI fast lane, each with the WSGI
environ (Django's `request.META` is that dict). It builds the Visit (`analytics.clicks.visit`) and
appends it to the spool (`analytics.clicks.spool`); the loader completes and stores it a few
seconds later (`analytics.clicks.loader`). It never raises: a click that cannot be spooled is
counted and reported by /health, and the visitor is redirected all the same.
"""

from dataclasses import replace

from analytics.clicks import geo, loader
from analytics.clicks.spool import recording
from analytics.clicks.visit import Visit


def record(environ, link_id, scanned=False):
    """Record one click of `link_id` from the request's WSGI environ (`scanned`: it came
    from the link's QR code). Never raises."""
    try:
        visit = Visit.from_environ(environ, link_id, scanned=scanned)
    except Exception as error:  # a bug: the visitor must not see it
        recording.lost(error)
        return
    recording.append(visit)


_SAMPLE_VISIT = {
    "REQUEST_METHOD": "GET",
    "REMOTE_ADDR": "81.2.69.142",
    "HTTP_USER_AGENT": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    ),
    "HTTP_ACCEPT": "text/html",
    "HTTP_ACCEPT_LANGUAGE": "en",
}


def warm_up():
    """Make the first row now, spooling nothing: the verdict compiles its ~3,000 patterns,
    the user-agent parser and the GeoIP readers load (~0.2 s, once per process), so a new
    worker's first load does not hold the interpreter lock for them while it serves
    visitors. Returns that row as a dict."""
    visit = Visit.from_environ(_SAMPLE_VISIT, link_id="00000000-0000-0000-0000-000000000000")
    geo.locate(visit.ip)
    # Without its address: a sample must not be registered as a click for bursts.
    (row,) = loader.rows([replace(visit, ip=None)])
    return dict(zip(loader.COLUMNS, row, strict=True))
