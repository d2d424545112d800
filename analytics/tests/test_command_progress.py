"""Long commands say how far they are on stderr: plain lines when it is not a terminal, a
bar on a terminal, one summary line at the end; stdout keeps their results."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.tests.factories import ClickFactory


class Terminal(StringIO):
    def isatty(self):
        return True


@pytest.fixture
def old_clicks(db):
    start = timezone.now() - timedelta(days=70)
    for day in range(0, 70, 7):
        ClickFactory(timestamp=start + timedelta(days=day))
    ClickFactory(timestamp=start, user_agent="curl/8.4.0")  # a bot the old rules missed


def run(command, *args, stderr=None):
    out, err = StringIO(), stderr if stderr is not None else StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rollup_prints_a_line_per_chunk_of_days_and_a_summary(old_clicks, settings):
    settings.PROGRESS_LINE_SECONDS = 0
    out, err = run("rollup_clicks")
    lines = err.splitlines()
    assert re.fullmatch(
        r"rollup_clicks: 31 of 70 days \(44%\), [\d,.]+ days/s, about .+ left", lines[0]
    )
    assert re.fullmatch(
        r"rollup_clicks: 62 of 70 days \(89%\), [\d,.]+ days/s, about .+ left", lines[1]
    )
    assert lines[2].startswith("rollup_clicks: 70 of 70 days (100%)")
    assert re.fullmatch(r"rollup_clicks: 70 days in [\d.]+ s, [\d,.]+ days/s", lines[-1])
    assert len(lines) == 4
    assert out.startswith("Rolled up 70 day(s)")


def test_without_a_due_line_only_the_summary_is_printed(old_clicks, settings):
    settings.PROGRESS_LINE_SECONDS = 3600
    _out, err = run("rollup_clicks")
    assert re.fullmatch(r"rollup_clicks: 70 days in [\d.]+ s, [\d,.]+ days/s\n", err)


def test_on_a_terminal_a_bar_shows_the_rate_and_the_time_left(old_clicks):
    _out, err = run("rollup_clicks", stderr=Terminal())
    assert "\r" in err and "days/s" in err and "<" in err  # tqdm's "elapsed<left"
    assert err.splitlines()[-1].startswith("rollup_clicks: 70 days in ")


def test_reclassify_counts_the_clicks_it_rejudges(old_clicks, settings):
    settings.PROGRESS_LINE_SECONDS = 0
    out, err = run("reclassify_clicks", "--batch-size", "4")
    lines = err.splitlines()
    assert [line.split(",")[0] for line in lines[:3]] == [
        "reclassify_clicks: 4 of 11 clicks (36%)",
        "reclassify_clicks: 8 of 11 clicks (73%)",
        "reclassify_clicks: 11 of 11 clicks (100%)",
    ]
    assert re.fullmatch(r"reclassify_clicks: 11 clicks in [\d.]+ s, [\d,.]+ clicks/s", lines[3])
    assert out.splitlines()[-1].startswith("11 clicks re-judged: 1 human->bot")
