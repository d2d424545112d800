import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.http import StreamingHttpResponse

from analytics.tests.factories import ClickFactory
from links.tests.factories import CampaignFactory, LinkFactory, TagFactory

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_links(count):
    campaign = CampaignFactory()
    links = LinkFactory.create_batch(
        count, client=campaign.client, campaign=campaign, tags=[TagFactory()]
    )
    for link in links:
        ClickFactory(link=link, timestamp=NOW - timedelta(days=2))
        ClickFactory(link=link, timestamp=NOW - timedelta(hours=1), is_bot=True, bot_reason="ua:x")
    return campaign, links


@pytest.mark.parametrize("rolled", [False, True], ids=["raw", "rolled-up"])
@pytest.mark.parametrize("count", [1, 50])
def test_every_report_page_has_a_fixed_query_budget(
    signed_in, frozen, django_assert_max_num_queries, count, rolled
):
    campaign, links = make_links(count)
    if rolled:
        call_command("rollup_clicks")
    pages = {
        # The overview: its 60-day chart and its cards' visitors.
        "/dashboard/": 23,
        # The channels panel: rollups, raw clicks, the clicked links' destinations (3); campaign
        # and link pages: their busy days' stats (2); campaigns: their visitors (5).
        f"/dashboard/clients/{campaign.client_id}/": 26 + 3,
        f"/dashboard/campaigns/{campaign.pk}/": 25 + 3 + 2,
        f"/dashboard/links/{links[0].pk}/": 20 + 3 + 2,
        f"/dashboard/links/{links[0].pk}/?range=24h": 20 + 3,
    }
    for url, budget in pages.items():
        with django_assert_max_num_queries(budget):
            response = signed_in.get(url)
        assert response.status_code == 200, url


def test_the_link_page_shows_humans_and_bots_apart(signed_in, frozen):
    link = LinkFactory()
    ClickFactory.create_batch(3, link=link, timestamp=NOW - timedelta(days=1), country="CO")
    ClickFactory(link=link, timestamp=NOW - timedelta(days=1), is_bot=True, bot_reason="ua:bot,x")
    response = signed_in.get(f"/dashboard/links/{link.pk}/")
    figures = response.context["figures"]
    assert figures["totals"] == {"humans": 3, "bots": 1, "visitors": 1}
    assert ("countries", "Countries", [("CO", 3)]) in figures["breakdowns"]
    assert figures["bot_reasons"] == [("ua:bot", 1)]
    assert "<svg" in response.text
    assert "Show the chart's figures as a table" in response.text


@pytest.mark.parametrize(
    ("query", "days", "hourly"),
    [
        ("", 30, False),
        ("?range=7d", 7, False),
        ("?range=90d", 90, False),
        ("?range=24h", None, True),
        ("?range=custom&start=2026-06-01&end=2026-06-10", 10, False),
        ("?range=custom&start=2026-06-14&end=2026-06-15", None, True),
        ("?range=bogus", 30, False),
    ],
)
def test_the_date_range_applies_to_the_chart(signed_in, frozen, query, days, hourly):
    link = LinkFactory()
    response = signed_in.get(f"/dashboard/links/{link.pk}/{query}")
    figures = response.context["figures"]
    assert figures["hourly"] is hourly
    if days:
        assert len(figures["series"]) == days


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("range=custom&start=2026-06-10&end=2026-06-01", "end"),
        ("range=custom&start=2026-07-01&end=2026-07-02", "start"),
        ("range=custom&start=2024-01-01&end=2026-06-01", "end"),
        ("range=custom&end=2026-06-01", "start"),
    ],
)
def test_a_bad_custom_range_is_explained_and_the_default_used(signed_in, frozen, query, field):
    link = LinkFactory()
    response = signed_in.get(f"/dashboard/links/{link.pk}/?{query}")
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert len(response.context["figures"]["series"]) == 30


def test_the_raw_click_export_streams_the_range(signed_in, frozen):
    campaign, links = make_links(3)
    ClickFactory(link=links[0], timestamp=NOW - timedelta(days=60))
    response = signed_in.get(f"/dashboard/clients/{campaign.client_id}/clicks.csv?range=30d")
    assert isinstance(response, StreamingHttpResponse)
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["timestamp", "link__short_code", "is_bot"]
    assert len(rows) == 1 + 6
    assert sorted(r[2] for r in rows[1:]) == ["f"] * 3 + ["t"] * 3
    assert rows[1][0].startswith(str((NOW - timedelta(days=2)).date()))


def test_the_raw_export_is_batched_not_built_in_memory(signed_in, frozen, monkeypatch):
    from analytics import views

    monkeypatch.setattr(views, "EXPORT_BLOCK", 1)
    link = LinkFactory()
    ClickFactory.create_batch(5, link=link, timestamp=NOW - timedelta(days=1))
    response = signed_in.get(f"/dashboard/links/{link.pk}/clicks.csv")
    chunks = list(response.streaming_content)
    assert len(chunks) == 1 + 5  # the header, then a block per row at this tiny size


def test_the_aggregated_report_export(signed_in, frozen):
    link = LinkFactory()
    ClickFactory.create_batch(2, link=link, timestamp=NOW - timedelta(days=1), country="CO")
    ClickFactory(link=link, timestamp=NOW - timedelta(days=1), is_bot=True, bot_reason="ua:bot")
    response = signed_in.get(f"/dashboard/links/{link.pk}/report.csv?range=7d")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["section", "key", "human_clicks", "bot_clicks", "visitors"]
    assert ["total", "", "2", "1", "1"] in rows
    assert ["day", "2026-06-14", "2", "1", "1"] in rows
    assert ["countries", "CO", "2", "", ""] in rows
    assert ["bot_reason", "ua:bot", "", "1", ""] in rows
    assert sum(1 for r in rows if r[0] == "day") == 7


def test_an_unknown_report_kind_or_object_is_a_404(signed_in):
    link = LinkFactory()
    assert signed_in.get(f"/dashboard/users/{link.pk}/clicks.csv").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert signed_in.get(f"/dashboard/clients/{missing}/").status_code == 404
    assert signed_in.get(f"/dashboard/campaigns/{missing}/report.csv").status_code == 404


def test_the_overview_says_what_to_do_without_clicks(signed_in):
    response = signed_in.get("/dashboard/")
    assert "Create a link" in response.text
