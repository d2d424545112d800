"""Report pages read by a person: country and city names, bot reasons in words (the codes
on hover), the time zone of every chart, the overview's 30-day chart, a chart that adapts
its labels to a phone."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from analytics.reports.charts import bar_chart
from analytics.reports.names import city_label, country_name
from analytics.reports.periods import watermark
from analytics.tests.factories import ClickFactory
from analytics.verdicts.reasons import REASONS, describe
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory
from sharing.services import create_share

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)  # 07:30 in Bogotá
BOGOTA = ZoneInfo("America/Bogota")


@pytest.fixture
def bogota():
    with override_settings(TIME_ZONE="America/Bogota"), time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def poster(db, bogota):
    """A link with human clicks from Medellín and Seoul, and bot clicks of two reasons."""
    link = LinkFactory(client=ClientFactory(name="Acme"), short_code="poster")
    at = NOW - timedelta(days=3)
    ClickFactory.create_batch(3, link=link, timestamp=at, country="CO", city="Medellín")
    ClickFactory(link=link, timestamp=at, country="KR", city="Seoul")
    ClickFactory(link=link, timestamp=at, country="", city="")
    ClickFactory(link=link, timestamp=at, is_bot=True, bot_reason="ua:preview,net:datacenter")
    ClickFactory(link=link, timestamp=at, is_bot=True, bot_reason="ua:brand-new-rule")
    return link


def test_countries_read_by_name_unknown_codes_as_they_are():
    assert country_name("CO") == "Colombia"
    assert country_name("co") == "Colombia"
    assert country_name("KR") == "South Korea"  # pycountry's common name
    assert country_name("ZZ") == "ZZ"
    assert country_name(None) == "(unknown)"
    assert country_name("") == "(unknown)"


def test_a_stored_city_reads_with_its_country():
    assert city_label("Medellín (CO)") == "Medellín, Colombia"
    assert city_label("Springfield") == "Springfield"
    assert city_label("Frankfurt (Oder) (DE)") == "Frankfurt (Oder), Germany"
    assert city_label("Atlantis (ZZ)") == "Atlantis, ZZ"
    assert city_label(None) == "(unknown)"


def reason_codes_of_the_docs():
    """The codes of docs/bot-verdicts.md's table of reasons (`| `code` | kind | …`)."""
    text = (Path(settings.BASE_DIR) / "docs" / "bot-verdicts.md").read_text()
    table = text.split("| code | kind | meaning | example |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE)


def test_every_documented_bot_reason_has_plain_words():
    codes = reason_codes_of_the_docs()
    assert "ua:preview" in codes and "headers:no-client-hints" in codes and len(codes) >= 17
    assert sorted(set(codes) - set(REASONS)) == []
    assert describe("ua:preview") == "Link preview (chat or social app)"
    assert describe("unknown") == REASONS["unknown"]
    assert describe(None) == REASONS["unknown"]
    assert describe("ua:brand-new-rule") == "ua:brand-new-rule"
    assert all(words and words != code for code, words in REASONS.items())


def test_the_report_shows_names_and_reasons_in_words_with_the_codes_on_hover(signed_in, poster):
    body = signed_in.get(f"/dashboard/links/{poster.pk}/").content.decode()

    assert '<abbr title="CO">Colombia</abbr>' in body
    assert '<abbr title="KR">South Korea</abbr>' in body
    assert 'Medellín, <abbr title="CO">Colombia</abbr>' in body
    assert "Medellín (CO)" not in body
    assert "<td>(unknown)</td>" in body
    assert '<abbr title="ua:preview">Link preview (chat or social app)</abbr>' in body
    assert '<abbr title="ua:brand-new-rule">ua:brand-new-rule</abbr>' in body
    assert "<code>ua:preview</code>" not in body
    assert body.count("Times in America/Bogota") >= 2  # the chart and its table


def test_rolled_up_cities_read_the_same(signed_in, poster):
    url = f"/dashboard/clients/{poster.client_id}/"
    before = signed_in.get(url).content.decode()
    call_command("rollup_clicks")
    assert watermark() == date(2026, 6, 15)
    after = signed_in.get(url).content.decode()

    for body in (before, after):
        assert 'Medellín, <abbr title="CO">Colombia</abbr>' in body
        assert "Medellín (CO)" not in body
    assert after.count("Colombia") == before.count("Colombia")


def test_the_report_csv_keeps_the_stored_codes(signed_in, poster):
    response = signed_in.get(f"/dashboard/links/{poster.pk}/report.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert ["countries", "CO", "3", "", ""] in rows
    assert ["cities", "Medellín (CO)", "3", "", ""] in rows
    assert ["bot_reason", "ua:preview", "", "1", ""] in rows
    assert not any("Colombia" in cell for row in rows for cell in row)


def test_a_shared_page_shows_the_same_words(client, poster):
    _share, token = create_share(poster.client, sections=["chart", "breakdowns", "bots"])
    body = client.get(f"/r/{token}").content.decode()

    assert 'Medellín, <abbr title="CO">Colombia</abbr>' in body
    assert '<abbr title="ua:preview">Link preview (chat or social app)</abbr>' in body
    assert "Times in America/Bogota" in body


def test_the_compare_page_and_side_by_side_tables_name_the_zone(signed_in, poster):
    assert (
        "Times in America/Bogota"
        in signed_in.get(f"/dashboard/compare/?kind=links&ids={poster.pk}").content.decode()
    )
    campaign = CampaignFactory(client=poster.client)
    LinkFactory(client=poster.client, campaign=campaign)
    body = signed_in.get(f"/dashboard/campaigns/{campaign.pk}/").content.decode()
    assert body.count("Times in America/Bogota") >= 3  # chart, its table, side by side


@pytest.fixture
def month_of_clicks(db, bogota):
    """Human clicks over the last 30 complete days and the 30 before, one at 23:30 local."""
    link = LinkFactory()
    local = NOW.astimezone(BOGOTA)
    yesterday_late = local.replace(hour=23, minute=30) - timedelta(days=1)  # 04:30 UTC today
    ClickFactory(link=link, timestamp=yesterday_late)
    ClickFactory.create_batch(2, link=link, timestamp=local - timedelta(days=10))
    ClickFactory(link=link, timestamp=local - timedelta(days=10), is_bot=True, bot_reason="burst")
    ClickFactory.create_batch(4, link=link, timestamp=local - timedelta(days=40))
    ClickFactory(link=link, timestamp=local)  # today: not a complete day, not charted
    ClickFactory(link=link, timestamp=local - timedelta(days=70))  # before both periods
    return link


def test_the_overview_charts_30_days_and_the_30_before(signed_in, month_of_clicks):
    response = signed_in.get("/dashboard/")
    figures = response.context["figures"]
    series, earlier = figures["series"], figures["previous_series"]

    assert [day for day, _, _ in series][0] == date(2026, 5, 16)
    assert [day for day, _, _ in series][-1] == date(2026, 6, 14)
    assert len(series) == len(earlier) == 30
    # 14 June 23:30 in Bogotá is 15 June 04:30 UTC: the chart's last day, not today.
    assert series[-1][1] == 1
    assert {day: h for day, h, _ in series}[date(2026, 6, 5)] == 2
    assert sum(h for _, h, _ in series) == 3 == figures["cards"][2]["humans"]
    assert sum(b for _, _, b in series) == 1
    assert sum(h for _, h, _ in earlier) == 4 == figures["previous_humans"]
    body = response.content.decode()
    assert 'aria-labelledby="overview-chart-title overview-chart-desc"' in body
    assert "Times in America/Bogota" in body
    assert "The previous period (4 human clicks)" in body

    call_command("rollup_clicks")
    assert watermark() == date(2026, 6, 15)
    rolled = signed_in.get("/dashboard/").context["figures"]
    assert rolled["series"] == series
    assert rolled["previous_series"] == earlier


@pytest.mark.parametrize("rolled", [False, True], ids=["raw", "rolled-up"])
def test_the_overview_chart_costs_the_same_however_many_links(signed_in, bogota, rolled):
    def queries():
        if rolled:
            call_command("rollup_clicks", "--all")
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get("/dashboard/").status_code == 200
        return len(captured)

    ClickFactory(timestamp=NOW - timedelta(days=2))
    few = queries()
    for _ in range(20):
        ClickFactory(timestamp=NOW - timedelta(days=5))
    assert queries() == few


def test_phone_labels_are_every_other_wide_label():
    days = [date(2026, 5, 1) + timedelta(days=i) for i in range(30)]
    chart = bar_chart([(day, 10_000 if i == 3 else i, 0) for i, day in enumerate(days)], False)
    labelled = [i for i, bar in enumerate(chart["bars"]) if bar["label"]]
    on_phones = [i for i in labelled if not chart["bars"][i]["dense"]]

    assert labelled == list(range(0, 30, 4))
    assert on_phones == list(range(0, 30, 8))
    # "10000" at the phone's axis text size (14 viewBox units a digit) fits left of the plot.
    assert chart["left"] >= 12 + 14 * len(str(chart["ticks"][-1]["value"]))
    assert chart["bars"][0]["x"] > chart["left"]


def test_no_label_of_a_long_range_runs_off_the_chart():
    days = [date(2026, 3, 1) + timedelta(days=i) for i in range(90)]
    chart = bar_chart([(day, 5, 0) for day in days], False)
    labelled = [bar for bar in chart["bars"] if bar["label"]]

    assert labelled[-1] is chart["bars"][88]
    # Half a phone-sized label ("27 May" at 24 viewBox units) fits either side of each.
    assert all(42 <= bar["label_x"] <= chart["width"] - 42 for bar in labelled)
