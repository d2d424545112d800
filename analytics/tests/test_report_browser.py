"""Report pages on a 375 px phone, in Debian's headless Chromium: nothing scrolls sideways
however long the values, and the chart's axis text stays readable (static/css/app.css)."""

from datetime import timedelta

import pytest
from django.test import Client as DjangoClient
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.tests.factories import ClickFactory
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory

pytestmark = pytest.mark.browser

LONG_HOST = "a-rather-long-subdomain-of-a-publisher.regional-news-network-example.com"
LONG_CITY = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"

# Every chart text the browser draws (display: none ones have an empty box), with its height.
AXIS_TEXT = """() => [...document.querySelectorAll('figure.chart text.axis')]
  .filter((t) => getComputedStyle(t).display !== 'none')
  .map((t) => {
    const box = t.getBoundingClientRect(), chart = t.closest('svg').getBoundingClientRect();
    return {text: t.textContent, height: box.height, dense: t.classList.contains('dense'),
            inside: box.left >= chart.left - 0.5 && box.right <= chart.right + 0.5};
  })"""


@pytest.fixture
def report(transactional_db, settings):
    # Made before Playwright starts: its event loop would refuse ORM calls in this thread.
    settings.TIME_ZONE = "America/Bogota"
    client = ClientFactory(name="Cafetería del Parque Principal de Santa Fe de Antioquia")
    campaign = CampaignFactory(client=client, name="Temporada-de-verano-2026-carteles-y-volantes")
    link = LinkFactory(
        client=client,
        campaign=campaign,
        name="Cartel-de-la-estación-central-junto-a-la-taquilla-número-tres",
        original_url="https://www.example.com/" + "promociones/" * 12 + "?utm_source=cartel",
    )
    now = timezone.now()
    for day in range(30):
        ClickFactory.create_batch(
            1 + day % 5,
            link=link,
            timestamp=now - timedelta(days=day, hours=1),
            country="GB",
            city=LONG_CITY,
            referrer=f"https://{LONG_HOST}/articles/{day}",
        )
    ClickFactory(link=link, timestamp=now - timedelta(days=2), is_bot=True, bot_reason="ua:preview")
    browser = DjangoClient()
    browser.force_login(UserFactory(role="admin"))
    return {"link": link, "client": client, "session": browser.cookies["sessionid"].value}


@pytest.fixture
def open_page(live_server, report, monkeypatch, chromium):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    contexts = []

    def open_page(path, width):
        context = chromium.new_context(viewport={"width": width, "height": 800})
        context.set_default_timeout(15000)
        context.add_cookies(
            [{"name": "sessionid", "value": report["session"], "url": live_server.url}]
        )
        contexts.append(context)
        page = context.new_page()
        assert page.goto(f"{live_server.url}{path}").status == 200
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_a_report_page_fits_a_phone_and_its_chart_reads(open_page, report):
    page = open_page(f"/dashboard/links/{report['link'].pk}/", 375)

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".breakdowns").get_by_text(LONG_CITY + ", United Kingdom").count() == 1
    texts = page.evaluate(AXIS_TEXT)
    assert len(texts) >= 8  # five ticks and at least three day labels
    assert not [t for t in texts if t["dense"]]
    short = [t for t in texts if t["height"] < 10]
    assert not short, short
    assert all(t["inside"] for t in texts), texts

    # On a wide screen the dense labels are back, at the ordinary size.
    wide = open_page(f"/dashboard/links/{report['link'].pk}/", 1280).evaluate(AXIS_TEXT)
    assert len([t for t in wide if t["dense"]]) >= 3


@pytest.mark.parametrize("page_of", ["overview", "client"])
def test_the_overview_and_a_client_page_fit_a_phone(open_page, report, page_of):
    path = "/dashboard/" if page_of == "overview" else f"/dashboard/clients/{report['client'].pk}/"
    page = open_page(path, 375)

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    texts = page.evaluate(AXIS_TEXT)
    assert min(t["height"] for t in texts) >= 10
    assert all(t["inside"] for t in texts), texts
