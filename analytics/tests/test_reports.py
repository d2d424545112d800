from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from analytics.models import Click, DailyClientStats
from analytics.reports.dimensions import DIMENSIONS
from analytics.reports.exports import raw_clicks
from analytics.reports.figures import (
    bot_reasons,
    breakdown,
    change,
    clicks_over_time,
    overview,
    top_clients,
    top_links,
    totals,
)
from analytics.reports.periods import EVERYTHING, Period, Scope, last_days, watermark
from analytics.tests.factories import ClickFactory
from links.cascade import cascade_counts
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db, frozen):
    """Two clients; known human and bot clicks over the last weeks."""
    acme = ClientFactory(name="Acme")
    summer = CampaignFactory(client=acme, name="Summer")
    first = LinkFactory(client=acme, campaign=summer, short_code="first")
    second = LinkFactory(client=acme, short_code="second")
    other = LinkFactory(client=ClientFactory(name="Other"), short_code="other")
    at = NOW - timedelta(days=3)
    for _ in range(5):
        ClickFactory(
            link=first,
            timestamp=at,
            country="CO",
            city="Bogotá",
            browser="Chrome",
            os="Android",
            device_type="mobile",
            referrer="https://www.Instagram.com/p/1",
        )
    for _ in range(2):
        ClickFactory(
            link=first,
            timestamp=at,
            country="US",
            city="Austin",
            browser="Safari",
            os="iOS",
            device_type="mobile",
            referrer=None,
        )
    ClickFactory(
        link=second,
        timestamp=NOW - timedelta(hours=2),
        country="CO",
        city="Cali",
        browser="Firefox",
    )
    ClickFactory(link=first, timestamp=at, is_bot=True, bot_reason="ua:crawler,asn:datacenter")
    ClickFactory(link=first, timestamp=at, is_bot=True, bot_reason="ua:preview")
    ClickFactory(link=first, timestamp=at, is_bot=True, bot_reason="ua:preview")
    ClickFactory(link=other, timestamp=NOW - timedelta(days=40))  # outside 30 days
    ClickFactory(link=other, timestamp=NOW - timedelta(days=1))
    return {"acme": acme, "summer": summer, "first": first, "second": second, "other": other}


def month():
    return last_days(30)


def test_totals_count_humans_and_bots_apart(world):
    assert totals(Scope(client_id=world["acme"].pk), month()) == {"humans": 8, "bots": 3}
    assert totals(Scope(campaign_id=world["summer"].pk), month()) == {
        "humans": 7,
        "bots": 3,
    }
    assert totals(Scope(link_id=world["second"].pk), month()) == {"humans": 1, "bots": 0}
    assert totals(EVERYTHING, month()) == {"humans": 9, "bots": 3}


def test_breakdowns_count_only_human_clicks(world):
    scope = Scope(client_id=world["acme"].pk)
    assert breakdown(scope, month(), "countries") == [("CO", 6), ("US", 2)]
    assert breakdown(scope, month(), "cities") == [
        ("Bogotá (CO)", 5),
        ("Austin (US)", 2),
        ("Cali (CO)", 1),
    ]
    assert breakdown(scope, month(), "browsers")[0] == ("Chrome", 5)
    assert breakdown(scope, month(), "devices") == [("mobile", 7), (None, 1)]
    assert breakdown(scope, month(), "referrers") == [("www.instagram.com", 5), (None, 3)]


def test_bot_reasons_group_by_the_decisive_reason(world):
    assert bot_reasons(Scope(link_id=world["first"].pk), month()) == [
        ("ua:preview", 2),
        ("ua:crawler", 1),
    ]


def test_clicks_over_time_fills_every_day_with_zeros(world):
    series = clicks_over_time(Scope(client_id=world["acme"].pk), month())
    assert len(series) == 30
    by_day = {day: humans for day, humans, _bots in series}
    assert by_day[(NOW - timedelta(days=3)).date()] == 7
    assert by_day[NOW.date()] == 1
    assert sum(by_day.values()) == 8
    assert sum(b for _, _, b in series) == 3


def test_short_periods_are_counted_by_hour(world):
    period = Period(NOW - timedelta(hours=24), NOW)
    series = clicks_over_time(EVERYTHING, period)
    assert period.hourly
    assert len(series) == 25  # the partial hour 24 h ago and the current one
    # The period is [now - 24 h, now): the click exactly 24 h ago counts.
    assert sum(h for _, h, _ in series) == 2
    assert series[-3][1] == 1  # the click two hours ago, in its own hour


def test_top_links_and_clients_rank_by_human_clicks(world):
    top = top_links(EVERYTHING, month())
    assert top[0] == (world["first"], 7)
    assert sorted(n for _, n in top[1:]) == [1, 1]
    assert top_clients(month()) == [(world["acme"], 8), (world["other"].client, 1)]


def test_overview_compares_with_the_previous_period(world):
    figures = overview()
    cards = {card["label"]: card for card in figures["cards"]}
    assert figures["all_time"] == {"humans": 10, "bots": 3}
    assert cards["Today"]["humans"] == 1
    assert cards["Last 7 days"]["humans"] == 8
    assert cards["Last 7 days"]["previous"] == 0
    assert cards["Last 7 days"]["change"] is None
    assert cards["Last 30 days"]["humans"] == 8
    assert figures["bot_share"] == round(3 * 100 / 13, 1)
    assert figures["active_links"] == 3


def test_change_is_a_percentage_of_the_previous_period():
    assert change(150, 100) == 50
    assert change(50, 100) == -50
    assert change(5, 0) is None


def _all_figures(world):
    scopes = [EVERYTHING, Scope(client_id=world["acme"].pk), Scope(link_id=world["first"].pk)]
    periods = [last_days(7), last_days(30), last_days(90)]
    result = []
    for scope in scopes:
        for period in periods:
            result.append(totals(scope, period))
            result.append(clicks_over_time(scope, period))
            result.append(top_links(scope, period))
            result.append(bot_reasons(scope, period))
            for dimension in DIMENSIONS:
                result.append(breakdown(scope, period, dimension))
    result.append(top_clients(last_days(30)))
    result.append(overview())
    return result


def test_rollup_backed_figures_equal_raw_counts(world):
    raw = _all_figures(world)
    call_command("rollup_clicks")
    assert watermark() == NOW.date()
    assert DailyClientStats.objects.filter(dimension="countries").exists()
    assert _all_figures(world) == raw


def test_fresh_clicks_show_after_the_watermark(world):
    call_command("rollup_clicks")
    ClickFactory(link=world["second"], timestamp=NOW - timedelta(minutes=1))
    assert totals(Scope(link_id=world["second"].pk), month())["humans"] == 2


def test_rerolling_after_reclassification_fixes_the_rollups(world):
    call_command("rollup_clicks")
    Click.objects.filter(link=world["first"], country="US").update(is_bot=True, bot_reason="x")
    stale = totals(Scope(link_id=world["first"].pk), month())
    assert stale == {"humans": 7, "bots": 3}  # rollups still hold the old verdicts
    call_command("rollup_clicks", since=str((NOW - timedelta(days=30)).date()))
    assert totals(Scope(link_id=world["first"].pk), month()) == {"humans": 5, "bots": 5}
    acme = Scope(client_id=world["acme"].pk)
    assert breakdown(acme, month(), "countries") == [("CO", 6)]
    assert ("x", 2) in bot_reasons(acme, month())


def test_cascade_counts_say_what_a_delete_removes(world):
    assert cascade_counts(client=world["acme"]) == {
        "campaigns": 1,
        "links": 2,
        "clicks": 11,
    }
    assert cascade_counts(campaign=world["summer"]) == {"links": 1}
    assert cascade_counts(link=world["second"]) == {"clicks": 1}


def test_raw_clicks_come_oldest_first_within_the_period(world):
    rows = list(raw_clicks(Scope(client_id=world["acme"].pk), month(), chunk_size=2))
    assert len(rows) == 11
    assert rows[0][0] <= rows[-1][0]
    assert rows[-1][1] == "second"


def test_top_links_add_fresh_clicks_to_rolled_up_ones(db, frozen):
    steady, rising = LinkFactory(), LinkFactory()
    ClickFactory.create_batch(5, link=steady, timestamp=NOW - timedelta(days=2))
    ClickFactory.create_batch(3, link=rising, timestamp=NOW - timedelta(days=2))
    call_command("rollup_clicks")
    ClickFactory.create_batch(3, link=rising, timestamp=NOW - timedelta(hours=1))
    assert top_links(EVERYTHING, month(), limit=1) == [(rising, 6)]
    assert top_links(EVERYTHING, month(), limit=2) == [(rising, 6), (steady, 5)]
