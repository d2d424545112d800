"""End to end in Debian's headless Chromium: sign in, create a client, a campaign and a
tagged link through the dashboard, follow the short link, see the click on the link's page."""

import re
import time

import pytest

from accounts.models import User
from analytics.clicks.spool import flusher

DESKTOP_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(transactional_db):
    # Created before Playwright starts: ORM calls inside its event loop would open a
    # connection of their own that outlives the test database.
    return User.objects.create_superuser("e2e@corp.example", "e2e-password-123", name="E2E")


@pytest.fixture
def browser_page(staff, live_server, settings, monkeypatch, chromium):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SHORT_LINK_BASE_URL = live_server.url
    context = chromium.new_context(user_agent=DESKTOP_CHROME)
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def figure(page, title):
    text = page.locator(".stat", has=page.locator("h2", has_text=title)).locator(".figure")
    return int(text.first.inner_text())


def test_staff_create_a_tagged_link_and_see_its_click(live_server, browser_page):
    page = browser_page

    page.goto(f"{live_server.url}/admin/login/?next=/dashboard/")
    page.fill("#id_username", "e2e@corp.example")
    page.fill("#id_password", "e2e-password-123")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))

    page.goto(f"{live_server.url}/dashboard/clients/new/")
    page.get_by_label("Name").fill("Acme")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/dashboard/clients/[0-9a-f-]+/$"))
    assert "Client “Acme” created." in page.inner_text(".messages")

    page.get_by_role("link", name="+ New campaign").click()
    page.get_by_label("Name").fill("Summer")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/dashboard/campaigns/[0-9a-f-]+/$"))

    page.goto(f"{live_server.url}/dashboard/links/new/")
    page.get_by_label("Destination URL").fill("https://example.com/e2e?src=poster")
    page.get_by_label("Name").fill("E2E poster")
    page.get_by_label("Client").select_option(label="Acme")
    page.get_by_role("combobox", name="Campaign").select_option(label="Acme / Summer")
    # The UTM builder writes into the destination field as one types (utm-builder.js).
    page.get_by_label("utm_source", exact=True).fill("poster")
    destination = page.get_by_label("Destination URL").input_value()
    assert destination == "https://example.com/e2e?src=poster&utm_source=poster&utm_campaign=summer"
    assert page.get_by_label("utm_campaign").input_value() == "summer"
    page.get_by_label("Tags").fill("summer, print")
    page.get_by_role("button", name="Create short link").click()
    page.wait_for_url(re.compile(r"/dashboard/links/[0-9a-f-]+/$"))
    link_page = page.url
    short_url = page.inner_text("#short-url").strip()
    assert short_url.startswith(live_server.url + "/")
    assert page.locator(".tag", has_text="summer").count() == 1
    assert page.locator(".tag", has_text="print").count() == 1

    # The click travels as in production: spooled by the redirect, loaded by the flusher
    # thread a few seconds later (the test settings turn that thread off by default).
    flusher.start_flusher()
    try:
        response = page.request.get(short_url, max_redirects=0)
        assert response.status == 302
        assert response.headers["location"] == (
            "https://example.com/e2e?src=poster&utm_source=poster&utm_campaign=summer"
        )
        # Headless Chromium's own click: a bot (HeadlessChrome); either way it shows here.
        for _ in range(20):
            page.goto(link_page)
            if figure(page, "Human clicks") + figure(page, "Bot clicks") == 1:
                break
            time.sleep(0.5)
        assert figure(page, "Human clicks") + figure(page, "Bot clicks") == 1
    finally:
        flusher.shutdown()
