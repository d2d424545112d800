"""What visitors and staff see when something is wrong, through HTTP with DEBUG off."""

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from links.tests.factories import LinkFactory

pytestmark = pytest.mark.urls("macondo.tests.error_urls")

STYLESHEET = '<link rel="stylesheet" href="/static/css/app.css">'
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


@pytest.fixture
def browser():
    """A browser: errors become responses as they would in production."""
    return Client(raise_request_exception=False)


@pytest.fixture
def colleague_browser(browser, db):
    browser.force_login(UserFactory(email="staff@corp.example", role="viewer"))
    return browser


def assert_styled_without_inline_code(response):
    html = response.content.decode()
    assert VIEWPORT in html
    assert STYLESHEET in html
    inline = r"<style|\sstyle=|<script(?![^>]*\ssrc=)|\son[a-z]+="
    assert not re.search(inline, html, re.IGNORECASE), html
    csp = response["Content-Security-Policy"]
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp


def assert_visitor_page(response):
    assert_styled_without_inline_code(response)
    html = response.content.decode()
    assert 'class="plain"' in html
    assert "<script" not in html
    # No dashboard chrome: no header, no navigation, no link into the staff pages.
    assert "<header" not in html
    assert "<nav" not in html
    assert not re.search(r'href="/(dashboard|admin|accounts)?[/"]', html), html


def unknown_code(browser):
    return browser.get("/Nope123")


def code_outside_the_alphabet(browser):
    return browser.get("/no%20such%20code")


def deactivated_link(browser):
    LinkFactory(short_code="Gone001", is_active=False)
    return browser.get("/Gone001")


def expired_link(browser):
    LinkFactory(short_code="Old2024", expires_at=timezone.now() - timedelta(days=1))
    return browser.get("/Old2024")


def code_with_a_trailing_slash(browser):
    LinkFactory(short_code="Promo24")
    return browser.get("/Promo24/")


def path_of_several_segments(browser):
    return browser.get("/some/where/else")


def host_we_do_not_serve(browser):
    # e.g. an old domain still printed on posters but missing from ALLOWED_HOSTS
    return browser.get("/Promo24", HTTP_HOST="old-domain.example")


def bug_in_a_public_page(browser):
    return browser.get("/oops/broken")


def form_without_its_csrf_token(browser):
    return Client(enforce_csrf_checks=True).post(
        "/admin/login/", {"username": "a@corp.example", "password": "x"}
    )


@pytest.mark.parametrize(
    ("case", "status", "heading"),
    [
        (unknown_code, 404, "Link not found"),
        (code_outside_the_alphabet, 404, "Link not found"),
        (deactivated_link, 404, "Link not found"),
        (expired_link, 410, "This link has expired"),
        (code_with_a_trailing_slash, 404, "Link not found"),
        (path_of_several_segments, 404, "Link not found"),
        (host_we_do_not_serve, 400, "This address cannot be opened"),
        (bug_in_a_public_page, 500, "Something went wrong"),
        (form_without_its_csrf_token, 403, "This form has expired"),
    ],
    ids=lambda value: value.__name__ if callable(value) else None,
)
def test_a_visitor_meets_a_plain_styled_page_without_dashboard_chrome(
    browser, db, case, status, heading
):
    response = case(browser)
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in response.content.decode()
    assert_visitor_page(response)


@pytest.mark.django_db(transaction=True)
def test_a_visitor_meets_the_plain_503_page_while_postgresql_is_down(browser, postgresql):
    postgresql.stop()
    response = browser.get("/Unseen7")
    assert response.status_code == 503
    assert "<h1>Try again in a moment</h1>" in response.content.decode()
    assert_visitor_page(response)


def test_a_signed_in_colleague_following_an_unknown_code_gets_the_visitor_page(
    colleague_browser,
):
    response = colleague_browser.get("/Nope123")
    assert response.status_code == 404
    assert_visitor_page(response)


def test_an_unknown_link_in_the_dashboard_gets_the_dashboard_404_with_navigation(
    colleague_browser,
):
    response = colleague_browser.get(f"/dashboard/links/{uuid.uuid4()}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'class="dashboard-nav"' in html
    assert "Sign out" in html
    assert_styled_without_inline_code(response)


def test_a_mistyped_dashboard_address_gets_the_dashboard_404_without_navigation_when_signed_out(
    browser, db
):
    response = browser.get("/dashboard/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'class="dashboard-nav"' not in html
    assert '<header class="site">' in html
    assert_styled_without_inline_code(response)


def test_a_colleague_without_permission_gets_the_dashboard_403_with_navigation(
    colleague_browser,
):
    # A viewer: the page for a new link is refused.
    response = colleague_browser.get("/dashboard/links/new/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>You cannot open this page</h1>" in html
    assert 'class="dashboard-nav"' in html
    assert_styled_without_inline_code(response)


def test_a_bad_request_to_the_dashboard_gets_its_400_page_without_reading_the_session(
    colleague_browser,
):
    response = colleague_browser.get("/dashboard/", HTTP_HOST="old-domain.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>This request could not be read</h1>" in html
    assert '<header class="site">' in html
    assert "dashboard-nav" not in html
    assert not response.wsgi_request.session.accessed
    assert_styled_without_inline_code(response)


def test_a_bug_in_a_dashboard_page_gets_the_dashboard_500_page(colleague_browser):
    response = colleague_browser.get("/dashboard/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong</h1>" in html
    assert '<header class="site">' in html
    assert "dashboard-nav" not in html
    assert_styled_without_inline_code(response)


def broken_context_processor(request):
    raise RuntimeError("a context processor with a bug")


def test_the_500_page_renders_when_the_template_context_is_broken(colleague_browser, settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                "context_processors": [f"{__name__}.broken_context_processor"],
            },
        }
    ]
    response = colleague_browser.get("/dashboard/")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()
    assert_styled_without_inline_code(response)


def test_the_500_page_is_still_sent_when_its_own_template_cannot_be_rendered(
    colleague_browser, settings, tmp_path
):
    (tmp_path / "500.html").write_text("{% extends 'no-such-layout.html' %}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    response = colleague_browser.get("/dashboard/broken/")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()
    assert_styled_without_inline_code(response)


def test_an_unknown_short_code_and_a_dashboard_404_are_told_apart_by_path(colleague_browser):
    visitor = colleague_browser.get("/Nope123").content.decode()
    staff = colleague_browser.get(f"/dashboard/clients/{uuid.uuid4()}/").content.decode()
    assert "<h1>Link not found</h1>" in visitor
    assert "<h1>Page not found</h1>" in staff
