from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from analytics.models import DailyLinkClicks, LinkWindowClicks, RollupWatermark
from analytics.tests.factories import ClickFactory
from links.tests.factories import LinkFactory

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)


@pytest.fixture
def clicks(db):
    link = LinkFactory()
    with time_machine.travel(NOW, tick=False):
        ClickFactory.create_batch(2, link=link, timestamp=NOW - timedelta(days=2))
        ClickFactory(link=link, timestamp=NOW - timedelta(days=2), is_bot=True)
        ClickFactory(link=link, timestamp=NOW - timedelta(days=1))
        ClickFactory(link=link, timestamp=NOW)  # today: never rolled up
        yield link


def run(*args):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("rollup_clicks", *args, stdout=out)
    return out.getvalue()


def rows():
    return sorted(DailyLinkClicks.objects.values_list("day", "humans", "bots"))


def test_rolling_up_counts_complete_days_and_sets_the_watermark(clicks):
    output = run()
    assert rows() == [(date(2026, 6, 13), 2, 1), (date(2026, 6, 14), 1, 0)]
    assert RollupWatermark.objects.get().rolled_until == date(2026, 6, 15)
    assert "2 link-day rows" in output


def test_rolling_up_twice_changes_nothing(clicks):
    run()
    before = rows()
    run()
    run("--all")
    assert rows() == before


def test_a_dry_run_writes_nothing(clicks):
    assert "Would roll up" in run("--dry-run")
    assert not DailyLinkClicks.objects.exists()
    assert not RollupWatermark.objects.exists()


def test_a_rerun_since_a_day_keeps_the_watermark(clicks):
    run()
    run("--since", "2026-06-14")
    assert RollupWatermark.objects.get().rolled_until == date(2026, 6, 15)
    assert rows() == [(date(2026, 6, 13), 2, 1), (date(2026, 6, 14), 1, 0)]


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "2030-01-01"])
def test_a_bad_since_day_is_a_clear_error(clicks, since):
    with pytest.raises(CommandError):
        run("--since", since)


def test_deleting_a_link_removes_its_rollups(clicks):
    run()
    clicks.delete()
    assert not DailyLinkClicks.objects.exists()


def test_rolling_up_keeps_per_link_sums_of_the_standard_windows(clicks):
    run()
    windows = {
        row.days: (row.until, row.humans) for row in LinkWindowClicks.objects.filter(link=clicks)
    }
    assert windows == {
        6: (date(2026, 6, 15), 3),
        29: (date(2026, 6, 15), 3),
        89: (date(2026, 6, 15), 3),
    }
