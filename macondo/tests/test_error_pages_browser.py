"""Every error page in headless Chromium at a phone's size (360 × 740): styled by our one
stylesheet, no Content-Security-Policy violation, nothing to scroll sideways.

The server runs the production WSGI stack (links.fast_redirect in front of Django) on a
free port. Screenshots go to the test's tmp_path (run with --basetemp=DIR to keep them) to be
looked at by a person; nothing compares them.
"""

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test import Client
from django.test.testcases import LiveServerThread
from django.utils import timezone

from accounts.tests.factories import UserFactory
from links.fast_redirect import ShortLinkApplication
from links.tests.factories import LinkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
# Set by static/css/app.css only (body background, var(--bg)); a browser's default is
# transparent.
OUR_BACKGROUND = "rgb(246, 248, 250)"

# Listens before any page script runs (Playwright's init scripts are not subject to the
# page's CSP) and keeps every violation the page reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def site(settings):
    """The site on a free port, as served in production (fast lane, then Django)."""
    settings.ROOT_URLCONF = "macondo.tests.error_urls"  # adds pages with a bug
    settings.SESSION_COOKIE_SECURE = False  # plain http on localhost
    settings.CSRF_COOKIE_SECURE = False
    server = LiveServerThread(
        "localhost",
        static_handler=lambda django: StaticFilesHandler(ShortLinkApplication(django)),
        connections_override={},
    )
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://localhost:{server.port}"
    server.terminate()
    connections.close_all()


@pytest.fixture
def sessions():
    """Session cookies of an admin colleague and of a viewer (an intern).

    Made before the browser starts: Playwright's sync API runs an event loop in this
    thread, and the ORM refuses to run inside one."""
    cookies = {}
    for who, superuser in (("colleague", True), ("intern", False)):
        browser = Client()
        user = UserFactory(email=f"{who}@corp.example", role="admin" if superuser else "viewer")
        browser.force_login(user)
        cookies[who] = browser.cookies["sessionid"].value
    return cookies


@pytest.fixture
def expired_link():
    return LinkFactory(short_code="Old2024", expires_at=timezone.now() - timedelta(days=1))


@pytest.fixture
def phone(module_chromium):
    context = module_chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    yield page, console
    context.close()


def csp_violations(page, console):
    refused = [m for m in console if "Refused to" in m or "Content Security Policy" in m]
    return refused + page.evaluate("window.__violations")


def visit(path):
    def go(page, site, **faults):
        return page.goto(site + path).status  # after the load event: stylesheet applied

    return go


def visit_from_a_host_we_do_not_serve(page, site, settings, **faults):
    # e.g. an old domain still printed on posters but missing from ALLOWED_HOSTS
    settings.ALLOWED_HOSTS = ["localhost"]
    return page.goto(site.replace("//localhost:", "//127.0.0.1:") + "/Nope123").status


def visit_while_postgresql_is_down(path):
    def go(page, site, postgresql, **faults):
        postgresql.stop()
        return page.goto(site + path).status

    return go


def submit_a_form_whose_csrf_cookie_is_gone(page, site, **faults):
    page.goto(f"{site}/admin/login/")
    page.context.clear_cookies()
    page.fill("#id_username", "someone@corp.example")
    page.fill("#id_password", "a password")
    with page.expect_navigation() as navigation:
        page.click("input[type=submit]")
    return navigation.value.status


# (screenshot name, how the visitor gets there, status, h1)
VISITOR_PAGES = [
    ("unknown-code", visit("/Nope123"), 404, "Link not found"),
    ("expired-link", visit("/Old2024"), 410, "This link has expired"),
    ("odd-path", visit("/some/where/else"), 404, "Link not found"),
    ("bad-host", visit_from_a_host_we_do_not_serve, 400, "This address cannot be opened"),
    ("server-error", visit("/oops/broken"), 500, "Something went wrong"),
    ("csrf-failure", submit_a_form_whose_csrf_cookie_is_gone, 403, "This form has expired"),
    ("database-down", visit_while_postgresql_is_down("/Unseen7"), 503, "Try again in a moment"),
]


@pytest.mark.parametrize(
    ("name", "get_there", "status", "heading"), VISITOR_PAGES, ids=[p[0] for p in VISITOR_PAGES]
)
def test_a_visitor_error_page_reads_well_on_a_phone_under_the_csp(
    site, expired_link, phone, postgresql, settings, tmp_path, name, get_there, status, heading
):
    page, console = phone
    assert get_there(page, site, settings=settings, postgresql=postgresql) == status

    assert page.inner_text("h1") == heading
    assert_reads_well_on_a_phone(page, console, tmp_path / f"{name}.png")
    assert page.locator("nav, header").count() == 0
    assert page.locator("script").count() == 0
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.pathname)")
    assert not [h for h in hrefs if re.match(r"/($|dashboard|admin|accounts)", h)]
    font_size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('main h1 + p')).fontSize)"
    )
    assert font_size >= 16


DASHBOARD_PAGES = [
    (
        "dashboard-404",
        "colleague",
        visit(f"/dashboard/links/{uuid.uuid4()}/"),
        404,
        "Page not found",
    ),
    ("dashboard-403", "intern", visit("/dashboard/links/new/"), 403, "You cannot open this page"),
    ("dashboard-500", "colleague", visit("/dashboard/broken/"), 500, "Something went wrong"),
    (
        "dashboard-503",
        "colleague",
        visit_while_postgresql_is_down("/dashboard/"),
        503,
        "Temporarily unavailable",
    ),
]


@pytest.mark.parametrize(
    ("name", "who", "get_there", "status", "heading"),
    DASHBOARD_PAGES,
    ids=[p[0] for p in DASHBOARD_PAGES],
)
def test_a_dashboard_error_page_reads_well_on_a_phone_under_the_csp(
    site, sessions, phone, postgresql, settings, tmp_path, name, who, get_there, status, heading
):
    page, console = phone
    page.context.add_cookies([{"name": "sessionid", "value": sessions[who], "url": site}])
    assert get_there(page, site, settings=settings, postgresql=postgresql) == status

    assert page.inner_text("h1") == heading
    assert_reads_well_on_a_phone(page, console, tmp_path / f"{name}.png")
    # Navigation only where the page is rendered with the signed-in user.
    assert page.locator(".dashboard-nav").count() == (1 if status in (403, 404) else 0)


def assert_reads_well_on_a_phone(page, console, screenshot):
    page.screenshot(path=screenshot, full_page=True)
    assert csp_violations(page, console) == []
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == OUR_BACKGROUND
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator('meta[name="viewport"]').get_attribute("content") == (
        "width=device-width, initial-scale=1"
    )


def test_an_inline_style_on_an_error_page_would_be_reported(site, phone):
    # The checks above can fail: an inline style is refused and reported on these pages.
    page, console = phone
    page.goto(f"{site}/Nope123")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(200)
    assert csp_violations(page, console)
