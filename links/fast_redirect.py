"""The redirect's fast lane: a cached short link answered before Django's request cycle.

`macondo.wsgi` wraps Django's WSGI application in `ShortLinkApplication`. On this 2-core
machine Django's handler and middleware stack (request object, signals, sessions, CSRF,
authentication, messages, axes, URL resolution, response object) cost more CPU per
redirect than the redirect itself, and none of it applies to a visitor following a link.

The lane answers a request only when Django would answer it with the 302 and nothing else:
- `GET` or `HEAD` of a path the URLconf routes to `links.redirect.follow` (read from the
  URLconf itself, so a page added before the catch-all `<str:code>` is never shadowed);
- a Host that ALLOWED_HOSTS accepts (Django's own `validate_host`);
- over https, or SECURE_SSL_REDIRECT is off (otherwise Django sends its HTTPS hop);
- a code this worker holds in its cache as an active, unexpired link (no database here).
Everything else (cache misses, unknown, inactive or expired links, other methods, bad hosts,
plain http) goes to Django unchanged, and `links.redirect.follow` answers it.

The 302 carries exactly the headers Django's path gives it: the view's own helpers build it
and the middleware that add headers to a redirect (security, clickjacking, Content-Length)
process a sample once per settings. `links/tests/test_fast_redirect.py` compares the two
paths header by header.
"""

import logging
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseRedirect
from django.http.request import split_domain_port, validate_host
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import get_resolver
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from analytics import tracking

from . import resolver
from .redirect import destination, follow, unstored
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


class _SampleRequest(HttpRequest):
    def __init__(self, secure):
        super().__init__()
        self._secure = secure

    def is_secure(self):
        return self._secure


def _headers_of_a_redirect(secure):
    """The headers (but Location) Django's stack gives the view's 302."""
    response = unstored(HttpResponseRedirect("https://example.com/"))
    request = _SampleRequest(secure)
    for middleware in (CommonMiddleware, XFrameOptionsMiddleware, SecurityMiddleware):
        response = middleware(lambda request: None).process_response(request, response)
    return tuple((name, value) for name, value in response.items() if name != "Location")


@dataclass(frozen=True)
class _Config:
    open: bool
    allowed_hosts: tuple
    ssl_redirect: bool
    proxy_ssl_header: tuple | None
    headers: dict


@lru_cache(maxsize=1)
def _config():
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]  # as HttpRequest.get_host()
    return _Config(
        # Forwarded hosts and ports change what get_host() means: Django decides then.
        open=settings.FAST_REDIRECT
        and not (settings.USE_X_FORWARDED_HOST or settings.USE_X_FORWARDED_PORT),
        allowed_hosts=tuple(allowed_hosts),
        ssl_redirect=settings.SECURE_SSL_REDIRECT,
        proxy_ssl_header=settings.SECURE_PROXY_SSL_HEADER,
        headers={secure: _headers_of_a_redirect(secure) for secure in (False, True)},
    )


@receiver(setting_changed, dispatch_uid="links.fast_redirect.settings")
def _settings_changed(**kwargs):
    _config.cache_clear()


def _is_secure(environ, config):
    """HttpRequest.is_secure() on a bare environ."""
    if config.proxy_ssl_header:
        header, secure_value = config.proxy_ssl_header
        value = environ.get(header)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return environ.get("wsgi.url_scheme") == "https"


def _host_allowed(environ, config):
    host = environ.get("HTTP_HOST")
    if not host:
        return False  # Django builds one from SERVER_NAME, or refuses it
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, config.allowed_hosts)


def answer(environ):
    """(status, headers) of the 302 for this request, recorded as a click; None when Django
    must answer it."""
    config = _config()
    if not config.open or environ.get("REQUEST_METHOD") not in _SAFE_METHODS:
        return None
    code = short_link_code(environ.get("PATH_INFO", ""))
    if code is None or not looks_like_code(code):
        return None
    secure = _is_secure(environ, config)
    if (config.ssl_redirect and not secure) or not _host_allowed(environ, config):
        return None
    target = resolver.cached(code)
    if target is None or not target.is_active or target.is_expired(timezone.now()):
        return None
    location = iri_to_uri(destination(target, environ.get("QUERY_STRING")))
    if "\n" in location or "\r" in location:
        return None  # Django refuses such a header with its own error
    tracking.record(environ, target.link_id)
    return "302 Found", [("Location", location), *config.headers[secure]]


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
        status, headers = fast
        start_response(status, list(headers))
        return [b""]


class ServerFloor:
    """Benchmark baseline only (BENCH_VIEWS): `/bench-floor/...` gets a constant 302 straight
    from WSGI, no Django at all: what gunicorn and the kernel cost per request on their own."""

    _HEADERS = (("Location", "https://example.com/"), ("Content-Length", "0"))

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/bench-floor/"):
            start_response("302 Found", list(self._HEADERS))
            return [b""]
        return self.application(environ, start_response)
