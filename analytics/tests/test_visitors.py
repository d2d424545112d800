"""Unique visitors: distinct (IP address, user agent) among human clicks, per unit and local day."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from analytics.clicks.spool import loading
from analytics.models import Click, DailyCampaignVisitors, DailyClientStats, DailyLinkClicks
from analytics.reports.comparisons import side_by_side
from analytics.reports.figures import breakdowns, overview, report, top_clients
from analytics.reports.periods import EVERYTHING, Period, Scope, day_start, last_days
from analytics.reports.visitors import CAMPAIGN, CLIENT, LINK, visitors_by, visitors_by_day
from analytics.tests.factories import ClickFactory
from analytics.tests.test_tracking import BROWSER_HEADERS, CHROME, IPHONE
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)
DAY1, DAY2, TODAY = date(2026, 6, 12), date(2026, 6, 13), date(2026, 6, 15)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day, hour=10):
    return day_start(day) + timedelta(hours=hour)


@pytest.fixture
def world(db, frozen):
    """Known visitors: P (ip 1, Chrome), Q (ip 2, Chrome), R (ip 1, Firefox: another browser
    behind P's address), a click without an address, and a bot on P's address."""
    acme = ClientFactory(name="Acme")
    summer = CampaignFactory(client=acme, name="Summer")
    l1 = LinkFactory(client=acme, campaign=summer, name="One", short_code="one")
    l2 = LinkFactory(client=acme, campaign=summer, name="Two", short_code="two")
    loose = LinkFactory(client=acme, campaign=None, name="Loose", short_code="loose")
    other = ClientFactory(name="Other")
    elsewhere = LinkFactory(client=other, campaign=None, short_code="else")
    p = {"ip_address": "81.2.69.1", "user_agent": CHROME}
    q = {"ip_address": "81.2.69.2", "user_agent": CHROME}
    r = {"ip_address": "81.2.69.1", "user_agent": FIREFOX}

    def click(link, when, who, **kwargs):
        ClickFactory(link=link, timestamp=when, **who, **kwargs)

    click(l1, at(DAY1, 9), p)
    click(l1, at(DAY1, 15), p)  # the same person again: one visitor
    click(l2, at(DAY1, 11), p)  # P on the campaign's other link: once for the campaign
    click(l1, at(DAY1, 12), q)
    click(l2, at(DAY1, 13), r)
    click(loose, at(DAY1, 14), q)  # Q on a link outside the campaign: the client's still
    click(l1, at(DAY1, 16), p, is_bot=True, bot_reason="ua:crawler")
    click(l1, at(DAY1, 17), {"ip_address": "81.2.69.3", "user_agent": "curl/8"}, is_bot=True)
    click(l1, at(DAY2), p)  # P back the next day: counts again
    click(l1, at(DAY2, 11), {"ip_address": None, "user_agent": CHROME})  # by user agent alone
    click(l2, at(DAY2, 12), {"ip_address": None, "user_agent": CHROME})
    click(elsewhere, at(DAY1), p)  # P at another client: that client's visitor too
    click(l1, NOW - timedelta(hours=2), p)  # today, never rolled up
    click(l2, NOW - timedelta(hours=1), q)
    return {"acme": acme, "summer": summer, "l1": l1, "l2": l2, "loose": loose, "other": other}


def week():
    return last_days(7)


def nonzero(by_day):
    return {day: n for day, n in by_day if n}


def figures(world):
    """Every visitors figure of the known data, as plain values."""
    acme, summer = world["acme"].pk, world["summer"].pk
    l1, l2 = world["l1"].pk, world["l2"].pk
    full = report(Scope(client_id=acme), week(), year=True)
    return {
        "l1": nonzero(visitors_by_day(Scope(link_id=l1), week())),
        "l2": nonzero(visitors_by_day(Scope(link_id=l2), week())),
        "summer": nonzero(visitors_by_day(Scope(campaign_id=summer), week())),
        "acme": nonzero(visitors_by_day(Scope(client_id=acme), week())),
        "everything": nonzero(visitors_by_day(EVERYTHING, week())),
        "links": dict(visitors_by(LINK, [l1, l2], week())),
        "campaigns": dict(visitors_by(CAMPAIGN, [summer], week(), Scope(client_id=acme))),
        "clients": dict(visitors_by(CLIENT, [acme, world["other"].pk], week())),
        "side": side_by_side(LINK, [l1, l2], week(), Scope(campaign_id=summer)),
        "report": (full["totals"], full["previous"]["totals"], full["year"]["totals"]),
        "days": full["days"],
        "breakdowns": breakdowns(Scope(client_id=acme), week()),
        "top_clients": [(c.pk, n) for c, n in top_clients(week())],
        "overview": [card["compared"] for card in overview()["cards"]],
    }


def test_unique_visitors_of_each_unit_and_day_on_known_data(world):
    got = figures(world)
    assert got["l1"] == {DAY1: 2, DAY2: 2, TODAY: 1}  # P, Q; P, no address; P
    assert got["l2"] == {DAY1: 2, DAY2: 1, TODAY: 1}  # P, R; no address; Q
    # P clicked both links of the campaign on DAY1: one visitor of it, one of each link.
    assert got["summer"] == {DAY1: 3, DAY2: 2, TODAY: 2}
    assert got["acme"] == {DAY1: 3, DAY2: 2, TODAY: 2}
    # The overview adds the clients' daily uniques: P is a visitor of Acme and of Other.
    assert got["everything"] == {DAY1: 4, DAY2: 2, TODAY: 2}
    assert got["links"] == {world["l1"].pk: 5, world["l2"].pk: 4}
    assert got["campaigns"] == {world["summer"].pk: 7}
    assert got["clients"] == {world["acme"].pk: 7, world["other"].pk: 1}
    assert got["side"][world["l1"].pk]["visitors"] == 5
    totals, before, a_year_ago = got["report"]
    assert totals == {"humans": 11, "bots": 2, "visitors": 7}
    assert before["visitors"] == 0 and a_year_ago["visitors"] == 0
    assert (DAY1, 6, 2, 3) in got["days"] and (DAY2, 3, 0, 2) in got["days"]
    seven_days = got["overview"][1]["visitors"]  # 8–14 June, complete days
    assert (seven_days["now"], seven_days["before"], seven_days["new"]) == (6, 0, True)


def test_figures_are_equal_with_and_without_rollups(world):
    raw = figures(world)
    call_command("rollup_clicks")
    # The rollups hold the daily uniques of each link, campaign and client.
    assert DailyLinkClicks.objects.get(link=world["l1"], day=DAY1).visitors == 2
    assert DailyCampaignVisitors.objects.get(campaign=world["summer"], day=DAY1).visitors == 3
    row = DailyClientStats.objects.get(client=world["acme"], day=DAY1, dimension="visitors")
    assert (row.value, row.humans, row.bots) == (None, 3, 0)
    assert figures(world) == raw


def test_the_rollups_keep_the_daily_counts_after_the_raw_clicks_are_gone(world):
    call_command("rollup_clicks")
    Click.objects.filter(timestamp__lt=day_start(TODAY)).delete()
    assert nonzero(visitors_by_day(Scope(campaign_id=world["summer"].pk), week())) == {
        DAY1: 3,
        DAY2: 2,
        TODAY: 2,
    }


def test_a_rerun_recomputes_the_visitors_of_reclassified_clicks(world):
    call_command("rollup_clicks")
    Click.objects.filter(link=world["l1"], timestamp__date=DAY1, ip_address="81.2.69.2").update(
        is_bot=True
    )
    call_command("rollup_clicks", since=str(DAY1))
    assert DailyLinkClicks.objects.get(link=world["l1"], day=DAY1).visitors == 1
    # Q still clicked the loose link that day: the client keeps them.
    row = DailyClientStats.objects.get(client=world["acme"], day=DAY1, dimension="visitors")
    assert row.humans == 3
    assert DailyCampaignVisitors.objects.get(campaign=world["summer"], day=DAY1).visitors == 2


def test_a_click_at_23_30_local_time_is_a_visitor_of_that_local_day(db):
    with override_settings(TIME_ZONE="America/Bogota"), time_machine.travel(NOW, tick=False):
        link = LinkFactory()
        # 8 June 23:30 in Bogotá is 9 June 04:30 UTC; 00:30 on the 9th is 05:30 UTC.
        ClickFactory(link=link, timestamp=datetime(2026, 6, 9, 4, 30, tzinfo=UTC))
        ClickFactory(link=link, timestamp=datetime(2026, 6, 9, 5, 30, tzinfo=UTC))
        ClickFactory(link=link, timestamp=datetime(2026, 6, 9, 6, 30, tzinfo=UTC))
        period = Period(day_start(date(2026, 6, 8)), day_start(date(2026, 6, 11)))
        scopes = [Scope(link_id=link.pk), Scope(client_id=link.client_id), EVERYTHING]
        raw = [nonzero(visitors_by_day(scope, period)) for scope in scopes]
        call_command("rollup_clicks")
        assert DailyLinkClicks.objects.get(link=link, day=date(2026, 6, 8)).visitors == 1
        assert [nonzero(visitors_by_day(scope, period)) for scope in scopes] == raw
    assert raw[0] == {date(2026, 6, 8): 1, date(2026, 6, 9): 1}
    assert raw == [raw[0]] * 3


def test_an_hourly_range_counts_each_local_day_within_it(world):
    # The last 24 hours: 14 June 12:30 to 15 June 12:30; P and Q today, nothing on the 14th.
    figures = report(Scope(client_id=world["acme"].pk), Period(NOW - timedelta(hours=24), NOW))
    assert figures["hourly"] and figures["days"] is None
    assert figures["visitors_by_day"] == [(date(2026, 6, 14), 0), (TODAY, 2)]
    assert figures["totals"]["visitors"] == 2
    # A range over two days' parts: each day's uniques within the range, added up.
    ClickFactory(link=world["l1"], timestamp=NOW - timedelta(hours=20), ip_address="81.2.69.1")
    figures = report(Scope(link_id=world["l1"].pk), Period(NOW - timedelta(hours=24), NOW))
    assert figures["visitors_by_day"] == [(date(2026, 6, 14), 1), (TODAY, 1)]
    assert figures["totals"]["visitors"] == 2


def record(client, address, user_agent):
    response = client.get(
        "/Vis001", REMOTE_ADDR=address, HTTP_USER_AGENT=user_agent, **BROWSER_HEADERS
    )
    assert response.status_code == 302


@pytest.mark.parametrize(("anonymize", "expected"), [(False, 3), (True, 2)])
def test_anonymised_addresses_merge_visitors_of_one_network_and_browser(
    client, settings, db, anonymize, expected
):
    settings.ANONYMIZE_IP = anonymize
    link = LinkFactory(short_code="Vis001", original_url="https://shop.example/")
    record(client, "192.0.2.10", CHROME)
    record(client, "192.0.2.77", CHROME)  # same /24 and browser: one visitor once truncated
    record(client, "192.0.2.77", IPHONE)  # another browser stays apart
    loading.flush()
    assert Click.objects.humans().count() == 3
    today = visitors_by_day(Scope(link_id=link.pk), last_days(1))
    assert [n for _day, n in today] == [expected]


@pytest.mark.parametrize("rolled", [False, True], ids=["raw", "rolled-up"])
def test_the_side_by_side_tables_show_and_sort_by_visitors(client, owner, world, rolled):
    if rolled:
        call_command("rollup_clicks")
    client.force_login(owner)
    page = client.get(f"/dashboard/campaigns/{world['summer'].pk}/?range=7d&sort=visitors")
    assert [(row["label"], row["visitors"]) for row in page.context["side"]] == [
        ("Two", 4),
        ("One", 5),
    ]
    assert 'Visitors <span class="muted">(sum of daily uniques)</span>' in page.text
    assert page.context["sort_links"]["visitors"] == "?range=7d&sort=-visitors"
    page = client.get(f"/dashboard/clients/{world['acme'].pk}/?range=7d")
    assert [(row["label"], row["visitors"]) for row in page.context["side"]] == [("Summer", 7)]
    # The headline: visitors next to human clicks, against the previous period.
    assert page.context["figures"]["previous"]["compared"]["visitors"]["new"] is True
    assert "<h2>Visitors</h2>" in page.text and "sum of daily uniques" in page.text
    ids = f"&ids={world['l1'].pk}&ids={world['l2'].pk}"
    page = client.get(f"/dashboard/compare/?kind=links&range=7d{ids}&sort=-visitors")
    assert [(row["label"], row["visitors"]) for row in page.context["rows"]] == [
        ("One", 5),
        ("Two", 4),
    ]
    assert "(sum of daily uniques)" in page.text


def test_the_overview_cards_show_visitors(client, owner, world):
    client.force_login(owner)
    page = client.get("/dashboard/?compare=year")
    today, seven, _thirty = page.context["figures"]["cards"]
    assert today["compared"]["visitors"]["now"] == 2
    assert seven["compared"]["visitors"]["now"] == 6
    assert seven["year"]["visitors"]["before"] == 0
    assert "visitors (sum of daily uniques)" in page.text


def test_the_report_csv_carries_the_visitors(client, owner, world):
    client.force_login(owner)
    response = client.get(f"/dashboard/campaigns/{world['summer'].pk}/report.csv?range=7d")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["section", "key", "human_clicks", "bot_clicks", "visitors"]
    assert ["total", "", "10", "2", "7"] in rows  # the loose link is not the campaign's
    assert ["day", DAY1.isoformat(), "5", "2", "3"] in rows
    response = client.get(f"/dashboard/campaigns/{world['summer'].pk}/report.csv?range=24h")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert ["visitors_day", TODAY.isoformat(), "", "", "2"] in rows
    assert all(row[4] == "" for row in rows if row[0] == "hour")


def test_deleting_a_campaign_in_sql_deletes_its_visitor_rollups(world):
    call_command("rollup_clicks")
    assert DailyCampaignVisitors.objects.filter(campaign=world["summer"]).exists()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaigns WHERE id = %s", [world["summer"].pk])
    assert not DailyCampaignVisitors.objects.exists()
    assert DailyLinkClicks.objects.filter(link=world["l1"]).exists()  # links stay
