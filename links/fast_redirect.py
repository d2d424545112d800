"""The redirect's fast lane: a cached short link answered before Django's request cycle.

`macondo.wsgi` wraps Django's WSGI application in `ShortLinkApplication`. Django's handler
and middleware stack (request object, signals, sessions, CSRF, authentication, messages,
axes, URL resolution, response object) cost more CPU per redirect than the redirect itself,
and none of it applies to a visitor following a link.

The lane answers a request only when Django would answer it with the 302 and nothing else:
- `GET` or `HEAD` of a path the URLconf routes to `links.redirect.follow` (read from the
  URLconf itself, so a page added before the catch-all `<str:code>` is never shadowed);
- a Host that ALLOWED_HOSTS accepts (Django's own `get_host()`);
- over https, or SECURE_SSL_REDIRECT is off (otherwise Django sends its HTTPS hop);
- a code this worker holds in its cache as an active, unexpired link (no database here),
  or one it knows no link has (`resolver.known_missing`: the 404 page, no click; a scan of
  random codes would otherwise cost Django's whole stack per request).
Everything else (cache misses, inactive or expired links, other methods, bad hosts, plain
http) goes to Django unchanged, and `links.redirect.follow` answers it.

The 302 and the 404 carry exactly the headers Django's path gives them: the view's own
helpers build them and the middleware that add headers to such an answer (security,
clickjacking, Content-Security-Policy, Content-Length) process a sample once per settings.
`links/tests/test_fast_redirect.py` compares the two paths header by header.
"""

import logging
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseRedirect
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import get_resolver
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from analytics.clicks import tracking
from macondo.middleware import CSPMiddleware

from . import resolver
from .querystrings import without_scan_marker
from .redirect import destination, follow, not_found, unstored
from .shortcodes import looks_like_code

logger = logging.getLogger(__name__)

_SAFE_METHODS = frozenset({"GET", "HEAD"})


@lru_cache(maxsize=8)
def _pages_before_short_links(urlconf_resolver):
    """The single-segment paths the URLconf gives to pages before its `/<code>` route.

    None if it has no such route, or has a route before it whose single-segment matches
    cannot be read here (a regex, a converter, an include without a slash): then the lane
    stays closed and Django resolves every path.
    """
    taken = set()
    for pattern in urlconf_resolver.url_patterns:
        if getattr(pattern, "callback", None) is follow:
            return frozenset(taken)
        route = getattr(pattern.pattern, "_route", None)
        if route is None:
            return None
        if "/" in route:
            continue  # matches only paths with a slash; a code has none
        if "<" in route or not hasattr(pattern, "callback"):
            return None
        taken.add(route)  # a plain page route matches exactly its own text
    return None


def short_link_code(path):
    """The code if the URLconf routes `path` (PATH_INFO) to the redirect view, else None."""
    code = path[1:]
    if not code or "/" in code or path[:1] != "/":
        return None
    taken = _pages_before_short_links(get_resolver())
    if taken is None or code in taken:
        return None
    return code


class _Request(HttpRequest):
    """Django's own `is_secure()` and `get_host()` (proxy header, ALLOWED_HOSTS, forwarded
    host) on the bare environ, without building a whole WSGIRequest."""

    def __init__(self, environ):
        super().__init__()
        self.META = environ

    def _get_scheme(self):
        return self.META.get("wsgi.url_scheme", "http")  # as WSGIRequest


def _headers_of_a_redirect(secure):
    """The headers (but Location) Django's stack gives the view's 302."""
    response = unstored(HttpResponseRedirect("https://example.com/"))
    request = _Request({"wsgi.url_scheme": "https" if secure else "http"})
    for middleware in (CommonMiddleware, XFrameOptionsMiddleware, SecurityMiddleware):
        response = middleware(lambda request: None).process_response(request, response)
    return tuple((name, value) for name, value in response.items() if name != "Location")


def _answer_when_missing(secure):
    """(status, headers, body) Django's stack gives the view's 404 page."""
    response = not_found()
    request = _Request({"wsgi.url_scheme": "https" if secure else "http"})
    request.path = request.path_info = "/Sample404"  # any code: no setting names one
    csp = CSPMiddleware(lambda request: None)
    csp.process_request(request)
    for middleware in (CommonMiddleware, XFrameOptionsMiddleware, csp, SecurityMiddleware):
        if isinstance(middleware, type):
            middleware = middleware(lambda request: None)
        response = middleware.process_response(request, response)
    return "404 Not Found", tuple(response.items()), response.content


def _codes_answered_alike():
    """Whether Django's 404 for a missing code is the same whatever the code: not when the
    Content-Security-Policy leaves some path prefixes out."""
    return not any(
        (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
    )


@dataclass(frozen=True)
class _Config:
    open: bool
    ssl_redirect: bool
    headers: dict
    origin_keys: tuple
    missing: dict | None  # secure -> the 404 answer, None: misses go to Django


# Every environ key Django's is_secure() and get_host() may read.
_ORIGIN_KEYS = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
)


@lru_cache(maxsize=1)
def _config():
    proxy_header = settings.SECURE_PROXY_SSL_HEADER
    return _Config(
        open=settings.FAST_REDIRECT,
        ssl_redirect=settings.SECURE_SSL_REDIRECT,
        headers={secure: _headers_of_a_redirect(secure) for secure in (False, True)},
        origin_keys=_ORIGIN_KEYS + ((proxy_header[0],) if proxy_header else ()),
        missing={secure: _answer_when_missing(secure) for secure in (False, True)}
        if _codes_answered_alike()
        else None,
    )


_ABSENT = object()


@lru_cache(maxsize=256)
def _origin(values):
    """(is_secure(), whether get_host() accepts it) for the environ values of the origin
    keys: Django's answers depend on nothing else, and nearly every visitor sends the same
    few, so each combination is worked out once (~25 µs per redirect otherwise)."""
    keys = _config().origin_keys
    request = _Request(
        {key: value for key, value in zip(keys, values, strict=True) if value is not _ABSENT}
    )
    secure = request.is_secure()
    try:
        request.get_host()
    except DisallowedHost:
        return secure, False
    return secure, True


def settings_changed(**kwargs):
    """setting_changed (tests; connected in LinksConfig.ready): the lane reads them again."""
    _config.cache_clear()
    _origin.cache_clear()


def answer(environ):
    """(status, headers, body) of the 302 for this request, recorded as a click, or of the
    404 for a code no link has; None when Django must answer it."""
    config = _config()
    if not config.open or environ.get("REQUEST_METHOD") not in _SAFE_METHODS:
        return None
    code = short_link_code(environ.get("PATH_INFO", ""))
    if code is None or not looks_like_code(code):
        return None
    secure, allowed_host = _origin(tuple(environ.get(key, _ABSENT) for key in config.origin_keys))
    if config.ssl_redirect and not secure:
        return None  # SecurityMiddleware's HTTPS hop
    if not allowed_host:
        return None  # Django's 400
    target = resolver.cached(code)
    if target is None:
        if config.missing is not None and resolver.known_missing(code):
            return config.missing[secure]
        return None
    if not target.is_live(timezone.now()):
        return None
    query_string, scanned = without_scan_marker(environ.get("QUERY_STRING"))
    location = iri_to_uri(destination(target, query_string))
    if "\n" in location or "\r" in location:
        return None  # Django refuses such a header with its own error
    tracking.record(environ, target.link_id, scanned=scanned)
    return "302 Found", [("Location", location), *config.headers[secure]], b""


class ShortLinkApplication:
    """WSGI: cached short links answered here, every other request by Django."""

    def __init__(self, django_application):
        self.django_application = django_application

    def __call__(self, environ, start_response):
        try:
            fast = answer(environ)
        except Exception:
            # Never worse than without the lane: Django answers (a click is recorded last,
            # so none was recorded twice).
            logger.exception("fast redirect lane failed for %r", environ.get("PATH_INFO"))
            fast = None
        if fast is None:
            return self.django_application(environ, start_response)
        status, headers, body = fast
        start_response(status, list(headers))
        return [body]
