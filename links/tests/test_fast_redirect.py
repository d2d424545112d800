"""The WSGI fast lane (links.fast_redirect): what it answers, and that it answers exactly as
Django's whole stack would. Requests go through `macondo.wsgi.application`, as under
gunicorn; the test client (Django's handler alone) gives the reference answers."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import Resolver404, path, re_path, resolve
from django.utils import timezone

import macondo.urls
from analytics.clicks.spool import loading
from analytics.models import Click
from links import fast_redirect, resolver
from links.fast_redirect import ShortLinkApplication
from links.redirect import follow
from links.services import set_active
from links.tests.factories import LinkFactory
from macondo.wsgi import application

# What Chrome sends when a person opens a link.
BROWSER = {
    "HTTP_USER_AGENT": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    ),
    "HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9",
    "HTTP_SEC_FETCH_SITE": "cross-site",
    "HTTP_SEC_FETCH_MODE": "navigate",
    "HTTP_SEC_FETCH_DEST": "document",
    "HTTP_SEC_CH_UA": '"Chromium";v="131", "Google Chrome";v="131"',
}


def environ_for(url, method="GET", secure=True, **headers):
    headers = {**BROWSER, "HTTP_HOST": "testserver", **headers}  # browsers always send Host
    return RequestFactory().generic(method, url, secure=secure, **headers).environ


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    by_django: bool  # False: the fast lane answered


def wsgi(url, method="GET", secure=True, **headers):
    """The answer of the WSGI application as macondo.wsgi builds it (the middleware loaded
    with the current settings, as the test client does)."""
    started, django_requests = {}, []

    def start_response(status, response_headers, exc_info=None):
        started["status"], started["headers"] = status, response_headers

    def count(**kwargs):
        django_requests.append(1)

    # As Django's test client does: the test's transaction keeps its connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.connect(count)
    try:
        environ = environ_for(url, method, secure, **headers)
        body = b"".join(ShortLinkApplication(WSGIHandler())(environ, start_response))
    finally:
        request_started.disconnect(count)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    status = int(started["status"].split()[0])
    return Answer(status, dict(started["headers"]), body, bool(django_requests))


def test_gunicorn_serves_django_behind_the_lane():
    assert isinstance(application, ShortLinkApplication)


@pytest.fixture(autouse=True)
def _primed_entries_stay_fresh(settings):
    # prime() makes entries up to half the TTL old; with the 5 s default, a loaded machine
    # (two suites at once) let one expire before the lane was asked.
    settings.LINK_CACHE_TTL_WITHOUT_SYNC = 60


@pytest.fixture
def link(db):
    link = LinkFactory(short_code="Promo24", original_url="https://shop.example/sale?a=1")
    resolver.forget()
    resolver.prime()  # as each gunicorn worker does when it starts
    return link


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=True)
@pytest.mark.parametrize("query", ["", "?utm_source=qr&a=2", "?q=caf%C3%A9"])
def test_the_lane_answers_exactly_as_the_whole_stack_would(client, link, query):
    reference = client.get(f"/Promo24{query}", secure=True, **BROWSER)
    answer = wsgi(f"/Promo24{query}")
    assert not answer.by_django
    assert (answer.status, answer.headers, answer.body) == (
        302,
        dict(reference.headers),
        reference.content,
    )
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_click_through_the_lane_is_recorded_once_with_its_facts(link, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    answer = wsgi(
        "/Promo24", HTTP_X_FORWARDED_FOR="81.2.69.142", HTTP_REFERER="https://news.example/"
    )
    assert (answer.status, answer.by_django) == (302, False)
    loading.flush()
    click = Click.objects.get()
    assert click.link_id == link.pk
    assert click.ip_address == "81.2.69.142"
    assert click.referrer == "https://news.example/"
    assert click.browser == "Chrome"
    assert (click.is_bot, click.bot_reason) == (False, None)


def test_the_lane_costs_no_query_and_sets_no_cookie(link, django_assert_num_queries):
    with django_assert_num_queries(0):
        answer = wsgi("/Promo24")
    assert (answer.status, answer.by_django) == (302, False)
    assert "Set-Cookie" not in answer.headers


def test_a_head_request_is_answered_and_judged_a_bot(link):
    answer = wsgi("/Promo24", method="HEAD")
    assert (answer.status, answer.by_django) == (302, False)
    loading.flush()
    assert Click.objects.get().is_bot is True


def test_a_cache_miss_is_answered_by_django_then_by_the_lane(db):
    LinkFactory(short_code="Fresh01", original_url="https://shop.example/new")
    resolver.forget()
    first, second = wsgi("/Fresh01"), wsgi("/Fresh01")
    assert (first.status, first.by_django) == (302, True)  # the view looked it up, cached it
    assert (second.status, second.by_django) == (302, False)
    loading.flush()
    assert Click.objects.count() == 2


def test_a_deactivated_link_leaves_the_lane_at_once(link):
    assert not wsgi("/Promo24").by_django
    set_active(link, False)
    answer = wsgi("/Promo24")
    assert (answer.status, answer.by_django) == (404, True)


def test_an_expired_link_is_left_to_django(db):
    LinkFactory(short_code="Old2024", expires_at=timezone.now() - timedelta(minutes=1))
    resolver.forget()
    resolver.prime()
    answer = wsgi("/Old2024")
    assert (answer.status, answer.by_django) == (410, True)


@pytest.mark.parametrize(
    ("url", "kwargs", "status"),
    [
        ("/Nope123", {}, 404),
        ("/bad!code", {}, 404),
        ("/Promo24", {"method": "POST"}, 405),
        ("/Promo24", {"HTTP_HOST": "evil.example"}, 400),
        ("/Promo24", {"HTTP_HOST": "testserver\r\nX-Evil: 1"}, 400),
    ],
)
def test_what_django_must_answer_is_left_to_django(link, url, kwargs, status):
    answer = wsgi(url, **kwargs)
    assert (answer.status, answer.by_django) == (status, True)
    loading.flush()
    assert Click.objects.count() == 0


@override_settings(USE_X_FORWARDED_HOST=True)
def test_a_forwarded_host_is_checked_as_django_checks_it(link):
    assert wsgi("/Promo24", HTTP_X_FORWARDED_HOST="testserver").by_django is False
    refused = wsgi("/Promo24", HTTP_X_FORWARDED_HOST="evil.example")
    assert (refused.status, refused.by_django) == (400, True)


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_gets_djangos_https_hop(link):
    answer = wsgi("/Promo24?x=1", secure=False)
    assert (answer.status, answer.by_django) == (301, True)
    assert answer.headers["Location"] == "https://testserver/Promo24?x=1"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_behind_a_tls_proxy_the_forwarded_proto_counts_as_https(link):
    answer = wsgi("/Promo24", secure=False, HTTP_X_FORWARDED_PROTO="https")
    assert (answer.status, answer.by_django) == (302, False)
    forged = wsgi("/Promo24", secure=False, HTTP_X_FORWARDED_PROTO="http, https")
    assert (forged.status, forged.by_django) == (301, True)


@override_settings(SECURE_SSL_REDIRECT=True)
def test_each_host_and_scheme_is_judged_on_its_own_not_as_the_request_before(link):
    requests = [
        {},
        {"HTTP_HOST": "evil.example"},
        {},
        {"secure": False},
        {"secure": False, "HTTP_X_FORWARDED_PROTO": "https"},
        {"secure": False, "HTTP_X_FORWARDED_PROTO": "http"},
        {"HTTP_HOST": "evil.example"},
    ]
    answers = [wsgi("/Promo24", **headers) for headers in requests]
    assert [(answer.status, answer.by_django) for answer in answers] == [
        (302, False),
        (400, True),
        (302, False),
        (301, True),
        (302, False),
        (301, True),
        (400, True),
    ]


def test_a_changed_allowed_hosts_counts_at_once(link, settings):
    assert (wsgi("/Promo24").status, wsgi("/Promo24").by_django) == (302, False)
    settings.ALLOWED_HOSTS = ["go.example"]
    refused = wsgi("/Promo24")
    assert (refused.status, refused.by_django) == (400, True)
    assert wsgi("/Promo24", HTTP_HOST="go.example").by_django is False


@override_settings(FAST_REDIRECT=False)
def test_the_lane_can_be_turned_off(link):
    answer = wsgi("/Promo24")
    assert (answer.status, answer.by_django) == (302, True)


def test_a_failure_in_the_lane_falls_back_to_django_without_a_double_click(
    link, monkeypatch, caplog
):
    def broken(code):
        raise RuntimeError("cache corrupted")

    monkeypatch.setattr(resolver, "cached", broken)
    answer = wsgi("/Promo24")
    assert (answer.status, answer.by_django) == (302, True)
    assert "fast redirect lane failed" in caplog.text
    loading.flush()
    assert Click.objects.count() == 1


# --- Which paths are short links: the URLconf decides -------------------------------------


@login_not_required
def pricing(request):
    return HttpResponse("pricing page")


# The app's URLconf with a page added before the short-link catch-all, as a later change might.
urlpatterns = [path("pricing", pricing), *macondo.urls.urlpatterns]


class WithRegexPage:
    urlpatterns = [re_path(r"^pri(?:c|z)ing$", pricing), *macondo.urls.urlpatterns]


@pytest.mark.parametrize(
    "url",
    ["/Promo24", "/health", "/Health", "/admin", "/admin/", "/dashboard/", "/", "/a/b", "/x.y"],
)
def test_the_lane_takes_exactly_the_paths_the_urlconf_routes_to_the_redirect(url):
    try:
        routed_to_redirect = resolve(url).func is follow
    except Resolver404:
        routed_to_redirect = False
    assert (fast_redirect.short_link_code(url) is not None) == routed_to_redirect


@override_settings(ROOT_URLCONF=__name__)
def test_a_page_added_before_the_catch_all_is_not_shadowed(db):
    LinkFactory(short_code="pricing")
    LinkFactory(short_code="Promo24")
    resolver.forget()
    resolver.prime()
    assert wsgi("/pricing").body == b"pricing page"
    assert not wsgi("/Promo24").by_django


@override_settings(ROOT_URLCONF=WithRegexPage)
def test_with_a_route_it_cannot_read_the_lane_stays_closed(link):
    answer = wsgi("/Promo24")
    assert (answer.status, answer.by_django) == (302, True)
    assert wsgi("/pricing").body == b"pricing page"


def test_a_shared_report_path_goes_to_django_and_short_links_stay_in_the_lane(link):
    from sharing.services import create_share

    _share, token = create_share(link.client)

    shared = wsgi(f"/r/{token}")
    assert shared.by_django and shared.status == 200
    assert b"Human clicks" in shared.body
    assert not wsgi("/Promo24").by_django
