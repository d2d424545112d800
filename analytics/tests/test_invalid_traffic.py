"""The invalid-traffic page of a client and a campaign: bot clicks by reason, networks,
datacenter share and clicks over time, on known clicks, with and without rollups."""

import csv
import io
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from accounts.tests.factories import UserFactory
from analytics.models import DailyClientStats
from analytics.reports.dimensions import DIMENSIONS
from analytics.tests.factories import ClickFactory
from analytics.verdicts.reasons import REASONS
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory

# 12:30 in Bogotá (UTC-5).
NOW = datetime(2026, 6, 15, 17, 30, tzinfo=UTC)
CLARO = {"asn_number": 10620, "asn_org": "Telmex Colombia S.A."}
AMAZON = {"asn_number": 16509, "asn_org": "AMAZON-02"}
GOOGLE = {"asn_number": 15169, "asn_org": "GOOGLE"}
OCEAN = {"asn_number": 14061, "asn_org": "DIGITALOCEAN-ASN"}


def local(day, hour, minute=0):
    """A moment of June 2026 in Bogotá's local time (UTC-5)."""
    return datetime(2026, 6, day, hour, minute, tzinfo=ZoneInfo("America/Bogota"))


@pytest.fixture
def bogota():
    with override_settings(TIME_ZONE="America/Bogota"), time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db, bogota):
    campaign = CampaignFactory(name="Spring")
    acme = campaign.client
    in_campaign = LinkFactory(client=acme, campaign=campaign)
    loose = LinkFactory(client=acme, campaign=None)
    ClickFactory.create_batch(3, link=in_campaign, timestamp=local(10, 10), **CLARO)
    # 23:30 on 10 June in Bogotá is 04:30 UTC on the 11th: it belongs to the 10th. A
    # person on a cloud network: human, with the datacenter code stored.
    ClickFactory(
        link=in_campaign, timestamp=local(10, 23, 30), bot_reason="net:datacenter", **AMAZON
    )
    ClickFactory.create_batch(
        2,
        link=in_campaign,
        timestamp=local(10, 12),
        is_bot=True,
        bot_reason="ua:crawler,net:datacenter",
        **GOOGLE,
    )
    ClickFactory(link=in_campaign, timestamp=local(12, 9), is_bot=True, bot_reason="burst", **CLARO)
    ClickFactory(link=in_campaign, timestamp=local(12, 9), is_bot=True, bot_reason=None)
    # Today: read raw even after a rollup.
    ClickFactory(
        link=in_campaign,
        timestamp=local(15, 8),
        is_bot=True,
        bot_reason="ua:http-client,net:datacenter",
        **OCEAN,
    )
    ClickFactory(link=in_campaign, timestamp=local(15, 8), **CLARO)
    ClickFactory(link=loose, timestamp=local(12, 10), **CLARO)
    ClickFactory(link=loose, timestamp=local(12, 10), is_bot=True, bot_reason="ua:preview", **CLARO)
    # Another client's clicks count nowhere here.
    ClickFactory.create_batch(
        5, timestamp=local(12, 10), is_bot=True, bot_reason="ua:crawler,net:datacenter", **GOOGLE
    )
    return {"acme": acme, "campaign": campaign}


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["figures"]


def networks(figures):
    return [
        (row["label"], row["humans"], row["bots"], row["datacenter"]) for row in figures["networks"]
    ]


def test_the_client_page_counts_reasons_networks_and_datacenter_share(signed_in, world):
    figures = page(signed_in, f"/dashboard/clients/{world['acme'].pk}/invalid-traffic/?range=7d")
    assert figures["totals"] == {"humans": 6, "bots": 6, "clicks": 12}
    assert figures["bot_share"] == 50.0
    assert [(code, n) for code, _, n, _ in figures["reasons"]] == [
        ("ua:crawler", 2),
        ("burst", 1),
        ("ua:http-client", 1),
        ("ua:preview", 1),
        ("unknown", 1),
    ]
    assert figures["reasons"][0][1] == REASONS["ua:crawler"]
    assert networks(figures) == [
        ("AS10620 Telmex Colombia S.A.", 5, 2, False),
        ("AS15169 GOOGLE", 0, 2, True),
        ("AS14061 DIGITALOCEAN-ASN", 0, 1, True),
        ("AS16509 AMAZON-02", 1, 0, True),
        ("(unknown)", 0, 1, False),
    ]
    assert figures["datacenter"] == {
        "humans": 1,
        "bots": 3,
        "clicks": 4,
        "share": 33.3,
        "human_share": 16.7,
    }
    series = {day: (h, b) for day, h, b in figures["series"]}
    assert len(series) == 7
    # The 23:30 click is on the 10th, local time.
    assert series[date(2026, 6, 10)] == (4, 2)
    assert series[date(2026, 6, 11)] == (0, 0)
    assert series[date(2026, 6, 12)] == (1, 3)
    assert series[date(2026, 6, 15)] == (1, 1)


def test_the_campaign_page_counts_its_links_only(signed_in, world):
    url = f"/dashboard/campaigns/{world['campaign'].pk}/invalid-traffic/?range=7d"
    figures = page(signed_in, url)
    assert figures["totals"] == {"humans": 5, "bots": 5, "clicks": 10}
    assert [(code, n) for code, _, n, _ in figures["reasons"]] == [
        ("ua:crawler", 2),
        ("burst", 1),
        ("ua:http-client", 1),
        ("unknown", 1),
    ]
    assert networks(figures)[0] == ("AS10620 Telmex Colombia S.A.", 4, 1, False)
    assert figures["datacenter"]["share"] == 40.0
    assert figures["datacenter"]["human_share"] == 20.0


def test_the_figures_are_equal_with_and_without_rollups(signed_in, world):
    urls = [
        f"/dashboard/clients/{world['acme'].pk}/invalid-traffic/?range=7d",
        f"/dashboard/clients/{world['acme'].pk}/invalid-traffic/?range=30d",
        f"/dashboard/campaigns/{world['campaign'].pk}/invalid-traffic/?range=7d",
        f"/dashboard/clients/{world['acme'].pk}/invalid-traffic/?range=custom"
        "&start=2026-06-10&end=2026-06-10",
    ]
    raw = [page(signed_in, url) for url in urls]
    call_command("rollup_clicks")
    stats = DailyClientStats.objects.filter(client=world["acme"])
    # The client's days before today are now read from its rollups, networks included.
    assert stats.filter(dimension="networks", value="10620|Telmex Colombia S.A.").exists()
    assert stats.filter(dimension="datacenter", value="yes").exists()
    assert [page(signed_in, url) for url in urls] == raw
    assert raw[3]["totals"] == {"humans": 4, "bots": 2, "clicks": 6}


def test_the_report_pages_breakdowns_ignore_the_traffic_rollups(signed_in, world):
    url = f"/dashboard/clients/{world['acme'].pk}/?range=7d"
    raw = page(signed_in, url)
    call_command("rollup_clicks")
    rolled = page(signed_in, url)
    assert [key for key, _, _ in rolled["breakdowns"]] == list(DIMENSIONS)
    assert rolled["breakdowns"] == raw["breakdowns"]
    assert rolled["bot_reasons"] == raw["bot_reasons"]


def test_short_ranges_are_drawn_by_hour(signed_in, world):
    response = signed_in.get(f"/dashboard/clients/{world['acme'].pk}/invalid-traffic/?range=24h")
    figures = response.context["figures"]
    assert figures["hourly"] is True
    assert len(figures["series"]) == 25
    assert figures["totals"] == {"humans": 1, "bots": 1, "clicks": 2}
    assert "America/Bogota" in response.text
    assert response.text.count('class="bar bots"') == 25


def test_the_page_renders_on_the_client_and_the_campaign(signed_in, world):
    for kind, obj in (("clients", world["acme"]), ("campaigns", world["campaign"])):
        response = signed_in.get(f"/dashboard/{kind}/{obj.pk}/invalid-traffic/?range=7d")
        assert response.status_code == 200
        text = response.text
        assert "<svg" in text and "Show the chart&#x27;s figures as a table" not in text
        assert "Show the chart's figures as a table" in text
        # Plain words, the code on hover.
        assert f'title="ua:crawler">{REASONS["ua:crawler"]}</span>' in text
        assert "times in America/Bogota" in text
        assert f"/dashboard/{kind}/{obj.pk}/invalid-traffic.csv?range=7d" in text
        # The report page's bot section links here, keeping the range.
        report = signed_in.get(f"/dashboard/{kind}/{obj.pk}/?range=7d").text
        assert f"/dashboard/{kind}/{obj.pk}/invalid-traffic/?range=7d" in report


def rows_of(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_holds_the_pages_figures(signed_in, world):
    response = signed_in.get(
        f"/dashboard/campaigns/{world['campaign'].pk}/invalid-traffic.csv?range=7d"
    )
    assert "invalid-traffic-Spring-20260609-20260615.csv" in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[:8] == [
        ["section", "key", "human_clicks", "bot_clicks"],
        ["total", "", "5", "5"],
        ["datacenter", "yes", "1", "3"],
        ["datacenter", "no", "4", "2"],
        ["bot_reason", "ua:crawler", "", "2"],
        ["bot_reason", "burst", "", "1"],
        ["bot_reason", "ua:http-client", "", "1"],
        ["bot_reason", "unknown", "", "1"],
    ]
    assert rows[8:13] == [
        ["network", "AS10620 Telmex Colombia S.A.", "4", "1"],
        ["network_datacenter", "AS15169 GOOGLE", "0", "2"],
        ["network_datacenter", "AS14061 DIGITALOCEAN-ASN", "0", "1"],
        ["network_datacenter", "AS16509 AMAZON-02", "1", "0"],
        ["network", "(unknown)", "0", "1"],
    ]
    days = rows[13:]
    assert len(days) == 7 and all(row[0] == "day" for row in days)
    assert ["day", "2026-06-10", "4", "2"] in days


def test_hostile_network_names_are_escaped_on_the_page_and_neutralised_in_the_csv(
    signed_in, bogota
):
    link = LinkFactory()
    hostile = "<script>alert('x')</script>" + "W" * 228
    ClickFactory(link=link, timestamp=local(15, 8), asn_number=64512, asn_org=hostile)
    ClickFactory(link=link, timestamp=local(15, 8), asn_number=None, asn_org="=HYPERLINK(1)")
    response = signed_in.get(f"/dashboard/clients/{link.client_id}/invalid-traffic/")
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in response.text
    # The long name is cut on the page; the whole of it is in the title.
    cells = dict(re.findall(r'<td class="network" title="([^"]*)">([^<]*)</td>', response.text))
    title = "AS64512 &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" + "W" * 228
    assert title in cells and cells[title].endswith("W…") and len(cells[title]) < 120
    rows = rows_of(signed_in.get(f"/dashboard/clients/{link.client_id}/invalid-traffic.csv"))
    assert ["network", f"AS64512 {hostile}", "1", "0"] in rows
    assert ["network", "'=HYPERLINK(1)", "1", "0"] in rows


@pytest.fixture
def portal_user(world):
    user = UserFactory(role="client")
    user.clients.add(world["acme"])
    return user


def test_who_may_not_see_bot_details_is_refused(client, world, portal_user):
    client.force_login(portal_user)
    acme, campaign = world["acme"], world["campaign"]
    for url in (
        f"/dashboard/clients/{acme.pk}/invalid-traffic/",
        f"/dashboard/clients/{acme.pk}/invalid-traffic.csv",
        f"/dashboard/campaigns/{campaign.pk}/invalid-traffic/",
        f"/dashboard/campaigns/{campaign.pk}/invalid-traffic.csv",
    ):
        assert client.get(url).status_code == 403, url
    # Their own report page has no bot section and no link to the page.
    report = client.get(f"/dashboard/clients/{acme.pk}/")
    assert report.status_code == 200 and "invalid-traffic" not in report.text
    # Another client's page is not even confirmed to exist.
    other = ClientFactory()
    assert client.get(f"/dashboard/clients/{other.pk}/invalid-traffic/").status_code == 404


def test_a_staff_viewer_sees_the_page(client, world):
    client.force_login(UserFactory(role="viewer"))
    assert client.get(f"/dashboard/clients/{world['acme'].pk}/invalid-traffic/").status_code == 200


@pytest.mark.parametrize("rolled", [False, True], ids=["raw", "rolled-up"])
@pytest.mark.parametrize("count", [1, 40])
def test_the_page_has_a_fixed_query_budget(
    signed_in, bogota, django_assert_max_num_queries, count, rolled
):
    campaign = CampaignFactory()
    for number in range(count):
        link = LinkFactory(client=campaign.client, campaign=campaign)
        org = {"asn_number": 1000 + number, "asn_org": f"Network {number}"}
        ClickFactory(link=link, timestamp=local(12, 10), **org)
        ClickFactory(link=link, timestamp=local(15, 8), is_bot=True, bot_reason="burst", **org)
    if rolled:
        call_command("rollup_clicks")
    for url in (
        f"/dashboard/clients/{campaign.client_id}/invalid-traffic/",
        f"/dashboard/campaigns/{campaign.pk}/invalid-traffic/",
        f"/dashboard/campaigns/{campaign.pk}/invalid-traffic.csv",
    ):
        with django_assert_max_num_queries(9):
            response = signed_in.get(url)
        assert response.status_code == 200, url
    figures = page(signed_in, f"/dashboard/clients/{campaign.client_id}/invalid-traffic/")
    assert len(figures["networks"]) == min(count, 20)
    assert figures["network_count"] == count
