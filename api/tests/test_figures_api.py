"""Stats and raw clicks through HTTP: the report pages' figures, humans only where they are."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from analytics.reports.exports import RAW_COLUMNS_WITHOUT_IPS
from analytics.reports.figures import report
from analytics.reports.periods import Scope, last_days
from analytics.tests.factories import ClickFactory
from links.tests.factories import CampaignFactory, LinkFactory

from .helpers import fields, problem

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clicked(acme, frozen):
    campaign = CampaignFactory(client=acme)
    link = LinkFactory(client=acme, campaign=campaign, short_code="promo")
    other = LinkFactory(client=acme)
    for days, country in [(2, "CO"), (2, "CO"), (3, "MX"), (40, "CO")]:
        ClickFactory(link=link, timestamp=NOW - timedelta(days=days), country=country)
    ClickFactory(
        link=link, timestamp=NOW - timedelta(hours=3), is_bot=True, bot_reason="ua:crawler"
    )
    ClickFactory(link=other, timestamp=NOW - timedelta(days=1), referrer="https://t.co/x")
    return {"link": link, "other": other, "campaign": campaign, "client": acme}


@pytest.mark.parametrize("rolled", [False, True], ids=["raw", "rolled-up"])
@pytest.mark.parametrize("kind", ["links", "campaigns", "clients"])
def test_stats_are_the_report_pages_figures(api, clicked, kind, rolled):
    if rolled:
        call_command("rollup_clicks", stdout=io.StringIO())
    obj = {
        "links": clicked["link"],
        "campaigns": clicked["campaign"],
        "clients": clicked["client"],
    }[kind]
    scope = {
        "links": Scope(link_id=obj.pk),
        "campaigns": Scope(campaign_id=obj.pk),
        "clients": Scope(client_id=obj.pk),
    }[kind]
    expected = report(scope, last_days(30, NOW))
    body = api.get(f"/api/v1/{kind}/{obj.pk}/stats").json()
    assert body["granularity"] == "day"
    assert body["totals"] == {
        "human_clicks": expected["totals"]["humans"],
        "bot_clicks": expected["totals"]["bots"],
        "visitors": expected["totals"]["visitors"],
    }
    assert [(b["human_clicks"], b["bot_clicks"], b["visitors"]) for b in body["series"]] == [
        (h, b, v) for _day, h, b, v in expected["days"]
    ]
    assert [(d["day"], d["visitors"]) for d in body["visitors_by_day"]] == [
        (day.isoformat(), n) for day, n in expected["visitors_by_day"]
    ]
    assert [(c["label"], c["kind"], c["human_clicks"]) for c in body["channels"]] == expected[
        "channels"
    ]
    assert body["channels"]  # the clicks' links have channels: the comparison above is not empty
    for key, _label, ranked in expected["breakdowns"]:
        assert [(r["value"], r["human_clicks"]) for r in body["breakdowns"][key]] == ranked
    assert [(r["reason"], r["bot_clicks"]) for r in body["bot_reasons"]] == expected["bot_reasons"]
    if kind == "links":
        assert body["top_links"] is None
    else:
        assert [(t["short_code"], t["human_clicks"]) for t in body["top_links"]] == [
            (link.short_code, n) for link, n in expected["top_links"]
        ]


def test_stats_count_humans_and_bots_apart(api, clicked):
    body = api.get(f"/api/v1/links/{clicked['link'].pk}/stats").json()
    # Visitors: one person (the factory's address and browser) on two days.
    assert body["totals"] == {"human_clicks": 3, "bot_clicks": 1, "visitors": 2}
    assert body["breakdowns"]["countries"] == [
        {"value": "CO", "human_clicks": 2},
        {"value": "MX", "human_clicks": 1},
    ]
    assert body["bot_reasons"] == [{"reason": "ua:crawler", "bot_clicks": 1}]


def test_a_period_of_two_days_or_less_is_counted_by_hour(api, clicked):
    body = api.get(
        f"/api/v1/links/{clicked['link'].pk}/stats",
        **{"from": "2026-06-14T12:30:00Z", "to": "2026-06-15T12:30:00+00:00"},
    ).json()
    assert body["granularity"] == "hour"
    starts = [datetime.fromisoformat(b["start"]) for b in body["series"]]
    assert starts[0] <= datetime(2026, 6, 14, 12, 30, tzinfo=UTC) < starts[1]
    assert {b - a for a, b in zip(starts, starts[1:], strict=False)} == {timedelta(hours=1)}
    assert body["start"] == "2026-06-14T12:30:00Z"
    assert body["totals"] == {"human_clicks": 0, "bot_clicks": 1, "visitors": 0}
    # Visitors are counted by day: none per hour, each local day the period touches apart.
    assert {b["visitors"] for b in body["series"]} == {None}
    assert body["visitors_by_day"] == [
        {"day": "2026-06-14", "visitors": 0},
        {"day": "2026-06-15", "visitors": 0},
    ]


def test_the_period_ends_now_at_the_latest(api, clicked):
    body = api.get(
        f"/api/v1/clients/{clicked['client'].pk}/stats",
        **{"from": "2026-06-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"},
    ).json()
    assert body["end"] == "2026-06-15T12:30:00Z"


@pytest.mark.parametrize(
    "query, field",
    [
        ({"from": "2026-06-10T00:00:00Z", "to": "2026-06-01T00:00:00Z"}, "to"),
        ({"from": "2026-07-01T00:00:00Z"}, "from"),
        ({"from": "2024-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to"),
        ({"from": "2026-06-01T00:00:00"}, "from"),
        ({"from": "yesterday"}, "from"),
    ],
    ids=["reversed", "future", "too-long", "no-offset", "not-a-time"],
)
def test_a_bad_period_is_a_field_error(api, clicked, query, field):
    response = api.get(f"/api/v1/links/{clicked['link'].pk}/stats", **query)
    assert field in fields(problem(response, 422))


def test_raw_clicks_come_in_pages_oldest_first(api, clicked):
    url = f"/api/v1/clients/{clicked['client'].pk}/clicks"
    query, items, pages = {"from": "2026-06-01T00:00:00Z", "limit": 2}, [], 0
    while True:
        page = api.get(url, **query).json()
        items += page["items"]
        pages += 1
        if not page["next_cursor"]:
            break
        query["cursor"] = page["next_cursor"]
    stamps = [c["timestamp"] for c in items]
    assert pages == 3 and len(items) == 5 and len({c["id"] for c in items}) == 5
    assert stamps == sorted(stamps)
    assert items[-1]["is_bot"] and items[-1]["bot_reason"] == "ua:crawler"
    assert {c["short_code"] for c in items} == {"promo", clicked["other"].short_code}


def test_raw_clicks_stream_as_a_spreadsheet_safe_csv(api, clicked):
    ClickFactory(link=clicked["link"], timestamp=NOW - timedelta(hours=1), referrer="=HYPERLINK(1)")
    response = api.get(f"/api/v1/links/{clicked['link'].pk}/clicks.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="clicks-promo-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    # The key's owner is an editor: visitors' IP addresses are for admins only.
    assert rows[0] == list(RAW_COLUMNS_WITHOUT_IPS)
    assert len(rows) == 1 + 5  # the header, the link's clicks of the last 30 days
    referrer = RAW_COLUMNS_WITHOUT_IPS.index("referrer")
    assert "'=HYPERLINK(1)" in [row[referrer] for row in rows]


def test_figures_need_the_stats_scope(api_as, clicked):
    api = api_as(scopes=["links:read"])
    assert problem(api.get(f"/api/v1/links/{clicked['link'].pk}/stats"), 403)
