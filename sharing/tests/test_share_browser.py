"""In Debian's headless Chromium: an editor shares a client's report, a signed-out visitor
opens it (logo, colour, no staff navigation, no CSP violation), and a client viewer sees
their own client only."""

import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client as DjangoClient

from accounts.tests.factories import UserFactory
from analytics.tests.factories import ClickFactory
from links.tests.factories import ClientFactory, LinkFactory
from links.tests.images import PNG

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    # Made before Playwright starts: its event loop would refuse ORM calls in this thread.
    acme = ClientFactory(name="Acme Coffee", accent_color="#7a1fa2")
    acme.logo.save("logo.png", ContentFile(PNG))
    ClickFactory.create_batch(2, link=LinkFactory(client=acme, name="Poster", short_code="acme1"))
    bravo = ClientFactory(name="Bravo Tea")
    LinkFactory(client=bravo, name="Bravo secret", short_code="bravo1")
    viewer = UserFactory(email="maria@acme.example", role="client")
    viewer.clients.set([acme])
    cookies = {}
    for who, user in (("editor", UserFactory(role="editor")), ("viewer", viewer)):
        browser = DjangoClient()
        browser.force_login(user)
        cookies[who] = browser.cookies["sessionid"].value
    from sharing.services import create_share

    _share, protected = create_share(acme, password="open sesame", sections=["chart"])
    return {"acme": acme, "bravo": bravo, "cookies": cookies, "protected": protected}


@pytest.fixture
def contexts(live_server, settings, monkeypatch, chromium):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SHORT_LINK_BASE_URL = live_server.url
    opened = []

    def open_context(session=None):
        context = chromium.new_context()
        context.set_default_timeout(15000)
        if session:
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        page.csp_errors = []
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and page.csp_errors.append(message.text)
            ),
        )
        opened.append(context)
        return page

    yield open_context
    for context in opened:
        context.close()


def test_an_editor_shares_a_report_and_a_visitor_opens_it(live_server, world, contexts):
    acme = world["acme"]
    staff = contexts(world["cookies"]["editor"])
    staff.goto(f"{live_server.url}/dashboard/clients/{acme.pk}/")
    staff.get_by_role("link", name="Share report").click()
    staff.wait_for_url(re.compile(r"/share/$"))
    staff.get_by_label("Top links").check()
    staff.get_by_label("Last 7 days").check()
    staff.get_by_role("button", name="Create share link").click()
    url = staff.inner_text("#new-share-url").strip()
    assert url.startswith(f"{live_server.url}/r/")

    visitor = contexts()
    response = visitor.goto(url)

    assert response.status == 200
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert visitor.inner_text(".client-name") == "Acme Coffee"
    assert visitor.evaluate("document.querySelector('.client-logo').naturalWidth") == 2
    # The accent colour arrived through the stylesheet: the page's --accent is the client's.
    accent = visitor.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    )
    assert accent == "#7a1fa2"
    assert "Poster" in visitor.inner_text("main")
    assert visitor.locator(".dashboard-nav").count() == 0
    assert visitor.get_by_text("Sign out").count() == 0
    assert visitor.csp_errors == []

    # Newest first: the link just made.
    staff.get_by_role("button", name="Revoke").first.click()
    staff.wait_for_load_state()
    assert visitor.goto(url).status == 410


def test_a_client_viewer_sees_their_client_only(live_server, world, contexts):
    acme, bravo = world["acme"], world["bravo"]
    page = contexts(world["cookies"]["viewer"])

    page.goto(f"{live_server.url}/dashboard/")

    page.wait_for_url(re.compile(rf"/dashboard/clients/{acme.pk}/$"))
    assert page.inner_text("header .client-name") == "Acme Coffee"
    assert page.evaluate("document.querySelector('header .client-logo').naturalWidth") == 2
    nav = page.inner_text(".dashboard-nav")
    for staff_only in ("API keys", "Webhooks", "WhatsApp", "New link", "Admin"):
        assert staff_only not in nav
    assert page.get_by_text("Share report").count() == 0
    page.goto(f"{live_server.url}/dashboard/links/")
    assert "Poster" in page.inner_text("main")
    assert "Bravo secret" not in page.inner_text("main")
    assert page.goto(f"{live_server.url}/dashboard/clients/{bravo.pk}/").status == 404
    assert page.csp_errors == []


def test_a_visitor_opens_a_protected_report_with_its_password(live_server, world, contexts):
    page = contexts()
    page.goto(f"{live_server.url}/r/{world['protected']}")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Open the report").click()
    assert "not right" in page.inner_text("main")

    # The form's POST passes CSRF (its Origin is kept) and the report opens.
    page.get_by_label("Password").fill("open sesame")
    page.get_by_role("button", name="Open the report").click()

    assert page.get_by_text("Human clicks").count() >= 1
    assert page.csp_errors == []
