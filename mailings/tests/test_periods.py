from datetime import UTC, date, datetime

import pytest

from mailings import periods


@pytest.mark.parametrize(
    ("now", "frequency", "start", "end"),
    [
        # A Wednesday: last week is Monday 23 to Sunday 29 November.
        (datetime(2026, 12, 2, 9, tzinfo=UTC), "weekly", date(2026, 11, 23), date(2026, 11, 30)),
        # Monday just after midnight: the week that ended an instant ago.
        (
            datetime(2026, 11, 30, 0, 1, tzinfo=UTC),
            "weekly",
            date(2026, 11, 23),
            date(2026, 11, 30),
        ),
        (datetime(2026, 12, 2, 9, tzinfo=UTC), "monthly", date(2026, 11, 1), date(2026, 12, 1)),
        (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), "monthly", date(2026, 2, 1), date(2026, 3, 1)),
        (datetime(2027, 1, 15, tzinfo=UTC), "monthly", date(2026, 12, 1), date(2027, 1, 1)),
    ],
)
def test_the_latest_complete_period(now, frequency, start, end):
    assert periods.latest_complete(frequency, now) == periods.ReportPeriod(start, end)


def test_the_previous_month_is_a_whole_month_whatever_its_length():
    march = periods.ReportPeriod(date(2026, 3, 1), date(2026, 4, 1))
    assert periods.previous("monthly", march) == periods.ReportPeriod(
        date(2026, 2, 1), date(2026, 3, 1)
    )


def test_the_previous_week_is_the_seven_days_before():
    week = periods.ReportPeriod(date(2026, 11, 23), date(2026, 11, 30))
    assert periods.previous("weekly", week) == periods.ReportPeriod(
        date(2026, 11, 16), date(2026, 11, 23)
    )
