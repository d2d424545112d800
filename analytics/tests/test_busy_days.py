"""Busy campaign and link days: their breakdowns come from busy-day stats after a rollup,
quiet days from raw clicks, and every figure stays what the raw clicks say."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from analytics.models import BUSY_DAY_CLICKS, BusyDayStats
from analytics.reports.figures import breakdowns, report
from analytics.reports.invalid_traffic import invalid_traffic
from analytics.reports.periods import Period, Scope, last_days
from analytics.tests.factories import ClickFactory
from links.tests.factories import CampaignFactory, LinkFactory

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False), override_settings(TIME_ZONE="America/Bogota"):
        campaign = CampaignFactory()
        busy = LinkFactory(client=campaign.client, campaign=campaign)
        quiet = LinkFactory(client=campaign.client, campaign=campaign)
        # 23:30 in Bogotá on 10 June is 04:30 UTC on 11 June: it belongs to the 10th.
        late = datetime(2026, 6, 11, 4, 30, tzinfo=UTC)
        ClickFactory.create_batch(BUSY_DAY_CLICKS - 10, link=busy, timestamp=late, country="CO")
        ClickFactory.create_batch(7, link=busy, timestamp=late, country="MX", browser="Firefox")
        ClickFactory.create_batch(
            3,
            link=busy,
            timestamp=late,
            is_bot=True,
            bot_reason="ua:crawler,net:datacenter",
            asn_number=16509,
            asn_org="AMAZON-02",
        )
        # A quiet day of the busy link, and a day busy only for the campaign as a whole.
        ClickFactory.create_batch(4, link=busy, timestamp=NOW - timedelta(days=8), country="US")
        for link in (busy, quiet):
            ClickFactory.create_batch(
                BUSY_DAY_CLICKS // 2 + 1, link=link, timestamp=NOW - timedelta(days=2), city="Cali"
            )
        ClickFactory.create_batch(2, link=quiet, timestamp=NOW - timedelta(hours=1))
        yield {"campaign": campaign, "busy": busy, "quiet": quiet}


def _figures(world):
    scopes = [
        Scope(link_id=world["busy"].pk),
        Scope(link_id=world["quiet"].pk),
        Scope(campaign_id=world["campaign"].pk),
    ]
    periods = [
        last_days(7),
        last_days(30),
        Period(datetime(2026, 6, 11, 5, tzinfo=UTC), NOW),  # starts just after the 10th
        Period(datetime(2026, 6, 10, 5, tzinfo=UTC), datetime(2026, 6, 11, 5, tzinfo=UTC)),
    ]
    return [
        (breakdowns(s, p), report(s, p)["totals"], invalid_traffic(s, p))
        for s in scopes
        for p in periods
    ]


def test_busy_day_breakdowns_equal_raw_counts(world):
    with time_machine.travel(NOW, tick=False), override_settings(TIME_ZONE="America/Bogota"):
        raw = _figures(world)
        call_command("rollup_clicks")
        assert _figures(world) == raw
        kept = BusyDayStats.objects.filter(dimension="total")
        link_days = set(kept.filter(link=world["busy"]).values_list("day", flat=True))
        campaign_days = set(kept.filter(campaign=world["campaign"]).values_list("day", flat=True))
        ten_june, thirteenth = datetime(2026, 6, 10).date(), datetime(2026, 6, 13).date()
        # The late click's day is kept for the link and the campaign; the quiet day is not,
        # and the day busy only for both links together is kept for the campaign alone.
        assert link_days == {ten_june}
        assert campaign_days == {ten_june, thirteenth}
        assert not kept.filter(link=world["quiet"]).exists()
        row = BusyDayStats.objects.get(
            link=world["busy"], day=ten_june, dimension="countries", value="MX"
        )
        assert (row.humans, row.bots) == (7, 0)


def test_busy_day_stats_feed_the_page(world):
    with time_machine.travel(NOW, tick=False), override_settings(TIME_ZONE="America/Bogota"):
        call_command("rollup_clicks")
        figures = breakdowns(Scope(link_id=world["busy"].pk), last_days(30))
        assert figures["countries"][0] == ("CO", BUSY_DAY_CLICKS - 10)
        assert ("MX", 7) in figures["countries"]
        assert figures["bot_reasons"] == [("ua:crawler", 3)]
        # Clicks changed after the rollup stay unseen on a kept day until it is rolled again:
        # proof that the kept rows, not the raw clicks, answer for that day.
        world["busy"].clicks.filter(country="MX").update(country="PE")
        again = breakdowns(Scope(link_id=world["busy"].pk), last_days(30))
        assert ("MX", 7) in again["countries"]
        call_command("rollup_clicks", since="2026-06-01")
        rolled = breakdowns(Scope(link_id=world["busy"].pk), last_days(30))
        assert ("PE", 7) in rolled["countries"] and ("MX", 7) not in rolled["countries"]
