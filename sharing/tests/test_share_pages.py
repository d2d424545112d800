"""Shared report pages at /r/<token>: public, white-label, noindex, revocable, counted."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.tests.factories import ClickFactory
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory
from sharing.models import ShareLink
from sharing.services import create_share, revoke, share_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return ClientFactory(name="Acme Coffee", accent_color="#ffcc00")


@pytest.fixture
def poster(acme):
    link = LinkFactory(client=acme, name="Poster link", short_code="poster1")
    ClickFactory.create_batch(3, link=link, country="ES")
    ClickFactory(link=link, is_bot=True, bot_reason="crawler:Googlebot")
    return link


def path_of(token):
    return f"/r/{token}"


def test_a_share_link_shows_the_report_without_sign_in(client, acme, poster):
    _share, token = create_share(acme)

    response = client.get(path_of(token))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme Coffee" in body
    assert "Poster link" in body  # top links
    assert '<p class="figure">3</p>' in body  # human clicks, from the report module
    # No staff navigation, no link into the dashboard.
    assert "dashboard-nav" not in body
    assert "/dashboard/" not in body
    assert "Sign out" not in body


def test_share_pages_are_not_indexed_nor_kept_by_caches(client, acme):
    _share, token = create_share(acme)

    response = client.get(path_of(token))

    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_the_url_is_on_the_short_link_domain(settings, acme):
    settings.SHORT_LINK_BASE_URL = "https://mcd.example"
    _share, token = create_share(acme)

    assert share_url(token) == f"https://mcd.example/r/{token}"
    assert len(token) >= 43


def test_only_the_tokens_hash_is_stored(acme):
    share, token = create_share(acme)

    stored = ShareLink.objects.filter(pk=share.pk).values().get()
    assert token not in [str(v) for v in stored.values()]


def test_a_wrong_token_is_404_after_one_indexed_lookup(client, acme):
    _share, token = create_share(acme)
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path_of(wrong))

    assert response.status_code == 404
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert len(queries) == 1
    assert "share_links" in queries[0]["sql"] and "token_hash" in queries[0]["sql"]


def test_a_token_of_the_wrong_shape_costs_no_query(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/r/short")

    assert response.status_code == 404
    assert len(queries) == 0


def test_a_revoked_link_is_gone_at_once(client, acme):
    share, token = create_share(acme)
    assert client.get(path_of(token)).status_code == 200

    revoke(share)

    response = client.get(path_of(token))
    assert response.status_code == 410
    assert "no longer shared" in response.content.decode()
    assert client.get(f"{path_of(token)}/theme.css").status_code == 410


def test_an_expired_link_is_gone(client, acme):
    _share, token = create_share(acme, expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(path_of(token)).status_code == 410


def test_the_page_counts_its_views(client, acme):
    share, token = create_share(acme)

    client.get(path_of(token))
    client.get(path_of(token))

    share.refresh_from_db()
    assert share.views == 2
    assert share.last_viewed_at is not None


def test_hidden_sections_are_not_on_the_page(client, acme, poster):
    _share, token = create_share(acme, sections=["chart"])

    body = client.get(path_of(token)).content.decode()

    assert 'id="chart-title"' in body
    assert "Top links" not in body
    assert "Poster link" not in body
    assert "Bot clicks" not in body
    assert "Googlebot" not in body
    assert "Countries" not in body and "Country" not in body
    assert "report.csv" not in body


def test_every_section_shows_when_chosen(client, acme, poster):
    _share, token = create_share(acme)

    body = client.get(path_of(token)).content.decode()

    assert "Top links" in body and "Googlebot" in body and "report.csv" in body


def test_the_csv_download_only_when_exports_are_shared(client, acme, poster):
    _share, with_exports = create_share(acme)
    _share, without = create_share(acme, sections=["chart"])

    response = client.get(f"/r/{with_exports}/report.csv")
    assert response.status_code == 200
    assert b'"link","poster1",3' in b"".join(response.streaming_content)
    assert client.get(f"/r/{without}/report.csv").status_code == 404


def test_a_campaign_share_reports_on_the_campaign_only(client, acme):
    summer = CampaignFactory(client=acme, name="Summer")
    ClickFactory.create_batch(2, link=LinkFactory(client=acme, campaign=summer))
    ClickFactory.create_batch(5, link=LinkFactory(client=acme))
    _share, token = create_share(summer)

    body = client.get(path_of(token)).content.decode()

    assert '<p class="figure">2</p>' in body


def test_a_fixed_range_reports_on_those_days_only(client, acme):
    link = LinkFactory(client=acme)
    now = timezone.now()
    ClickFactory(link=link, timestamp=now - timedelta(days=40))
    ClickFactory(link=link, timestamp=now)
    day = timezone.localdate(now - timedelta(days=40))
    _share, token = create_share(acme, start_day=day, end_day=day)

    body = client.get(path_of(token)).content.decode()

    assert '<p class="figure">1</p>' in body
    assert f"{day:%d %b %Y}" in body


def test_a_rolling_range_ends_now(client, acme):
    link = LinkFactory(client=acme)
    ClickFactory(link=link, timestamp=timezone.now() - timedelta(days=10))
    _share, week = create_share(acme, rolling_days=7)
    _share, month = create_share(acme, rolling_days=30)

    assert '<p class="figure">0</p>' in client.get(path_of(week)).content.decode()
    assert '<p class="figure">1</p>' in client.get(path_of(month)).content.decode()
    assert "Last 30 days" in client.get(path_of(month)).content.decode()


def test_the_accent_colour_comes_from_a_stylesheet(client, acme):
    _share, token = create_share(acme)

    body = client.get(path_of(token)).content.decode()
    css = client.get(f"/r/{token}/theme.css")

    assert f'href="/r/{token}/theme.css"' in body
    assert "style=" not in body
    assert css["Content-Type"] == "text/css; charset=utf-8"
    text = css.content.decode()
    assert "--accent: #ffcc00" in text
    # Yellow is too light for white text or for links on white: dark ink, darker links.
    assert "--accent-ink: #111111" in text
    assert "a { color: #ffcc00" not in text


def test_share_path_is_not_a_short_code(client, acme):
    # An existing link whose code is "r" (imported codes may be that short) still works.
    LinkFactory(client=acme, short_code="r", original_url="https://example.com/r")
    _share, token = create_share(acme)

    assert client.get("/r")["Location"].startswith("https://example.com/r")
    assert client.get(path_of(token)).status_code == 200


def test_a_fixed_range_without_its_end_day_is_one_day(acme):
    share, _token = create_share(acme, start_day=date(2026, 1, 5))

    assert share.end_day == date(2026, 1, 5)
    assert share.rolling_days is None
