"""Comparisons: previous period and a year earlier, side-by-side tables, the compare page."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from accounts.tests.factories import UserFactory
from analytics.reports.comparisons import compared, humans_by, side_by_side
from analytics.reports.figures import report
from analytics.reports.periods import Period, Scope, day_start, last_days, previous, year_before
from analytics.tests.factories import ClickFactory
from links.tests.factories import CampaignFactory, ClientFactory, LinkFactory

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)
# last_days(7) at NOW: [9 June 00:00, NOW); its previous period: [2 June 11:30, 9 June 00:00).
CURRENT_START = datetime(2026, 6, 9, tzinfo=UTC)
PREVIOUS_START = datetime(2026, 6, 2, 11, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db, frozen):
    acme = ClientFactory(name="Acme")
    alpha = CampaignFactory(client=acme, name="Alpha")
    beta = CampaignFactory(client=acme, name="Beta")
    a1 = LinkFactory(client=acme, campaign=alpha, name="A one", short_code="aone")
    a2 = LinkFactory(client=acme, campaign=alpha, name="A two", short_code="atwo")
    b1 = LinkFactory(client=acme, campaign=beta, name="B one", short_code="bone")
    other_client = ClientFactory(name="Other")
    other_campaign = CampaignFactory(client=other_client, name="Elsewhere")
    other = LinkFactory(client=other_client, campaign=other_campaign, short_code="other")

    def clicks(link, at, n=1, **kwargs):
        ClickFactory.create_batch(n, link=link, timestamp=at, **kwargs)

    clicks(a1, NOW - timedelta(days=5), 3)  # current
    clicks(a1, NOW - timedelta(days=5), is_bot=True, bot_reason="ua:crawler")
    clicks(a1, CURRENT_START - SECOND, 2)  # last second of the previous period
    clicks(a1, PREVIOUS_START)  # first instant of the previous period
    clicks(a1, PREVIOUS_START - SECOND)  # before both
    clicks(a2, CURRENT_START)  # first instant of the current period
    clicks(b1, NOW - timedelta(days=1), 2)  # current; nothing before: "new"
    clicks(a1, datetime(2025, 6, 10, 8, tzinfo=UTC), 4)  # a year earlier
    clicks(a1, datetime(2025, 6, 15, 12, 30, tzinfo=UTC))  # a year earlier's end: outside
    clicks(other, NOW - timedelta(days=2), 5)
    return {
        "acme": acme,
        "alpha": alpha,
        "beta": beta,
        "a1": a1,
        "a2": a2,
        "b1": b1,
        "other": other,
        "other_campaign": other_campaign,
    }


def week():
    return last_days(7)


def figures_of(world):
    """Every comparison figure of the known data, as plain values."""
    acme = Scope(client_id=world["acme"].pk)
    alpha = Scope(campaign_id=world["alpha"].pk)
    full = report(acme, week(), year=True)
    campaigns = [world["alpha"].pk, world["beta"].pk]
    links = [world["a1"].pk, world["a2"].pk]
    return {
        "previous": full["previous"]["totals"],
        "previous_series": full["previous"]["series"],
        "compared": full["previous"]["compared"],
        "year": full["year"]["totals"],
        "campaigns": side_by_side("link__campaign_id", campaigns, week(), acme),
        "links": side_by_side("link_id", links, week(), alpha),
        "clients": dict(humans_by("link__client_id", [world["acme"].pk], previous(week()))),
        "campaign_humans": dict(humans_by("link__campaign_id", campaigns, week())),
        "hourly": side_by_side("link_id", links, Period(NOW - timedelta(hours=24), NOW)),
    }


def test_previous_is_the_same_length_just_before():
    period = Period(CURRENT_START, NOW)
    assert previous(period) == Period(PREVIOUS_START, CURRENT_START)


def test_a_year_earlier_keeps_local_dates_and_29_february_becomes_the_28th(settings):
    settings.TIME_ZONE = "America/Bogota"
    start = day_start(datetime(2028, 2, 29).date())
    period = year_before(Period(start, start + timedelta(days=1)))
    assert period.start == day_start(datetime(2027, 2, 28).date())
    assert period.end == day_start(datetime(2027, 3, 1).date())


def test_comparison_figures_on_known_data(world):
    figures = figures_of(world)
    assert figures["previous"] == {"humans": 3, "bots": 0, "visitors": 2}  # 2 and 8 June
    assert figures["compared"]["humans"] == compared(6, 3)
    assert figures["compared"]["humans"]["percent"] == 100
    assert figures["compared"]["bots"]["new"] is True
    assert figures["year"] == {"humans": 4, "bots": 0, "visitors": 1}
    alpha, beta = figures["campaigns"][world["alpha"].pk], figures["campaigns"][world["beta"].pk]
    assert (alpha["humans"], alpha["compared"]["before"], alpha["compared"]["percent"]) == (
        4,
        3,
        33,
    )
    assert (beta["humans"], beta["compared"]["before"], beta["compared"]["new"]) == (2, 0, True)
    assert len(alpha["series"]) == 7 and sum(alpha["series"]) == 4
    a1, a2 = figures["links"][world["a1"].pk], figures["links"][world["a2"].pk]
    assert (a1["humans"], a1["compared"]["percent"]) == (3, 0)
    assert (a2["humans"], a2["compared"]["new"]) == (1, True)
    assert figures["clients"] == {world["acme"].pk: 3}
    assert len(figures["hourly"][world["a1"].pk]["series"]) == 25  # 12:00 … 12:00, partial ends


def test_comparison_figures_are_equal_with_and_without_rollups(world):
    raw = figures_of(world)
    call_command("rollup_clicks", all=True)
    assert figures_of(world) == raw


def test_local_day_boundaries_with_and_without_rollups(db):
    """A click at 23:30 local time belongs to that local day, rolled up or not."""
    with override_settings(TIME_ZONE="America/Bogota"), time_machine.travel(NOW, tick=False):
        link = LinkFactory()
        # 8 June 23:30 in Bogotá is 9 June 04:30 UTC: the previous period's last local day.
        ClickFactory(link=link, timestamp=datetime(2026, 6, 9, 4, 30, tzinfo=UTC))
        ClickFactory(link=link, timestamp=datetime(2026, 6, 9, 5, 30, tzinfo=UTC))  # 9 June
        period = last_days(7)
        raw = side_by_side("link_id", [link.pk], period)[link.pk]
        call_command("rollup_clicks", all=True)
        assert side_by_side("link_id", [link.pk], period)[link.pk] == raw
    assert raw["humans"] == 1 and raw["compared"]["before"] == 1 and raw["series"][0] == 1


def test_the_report_page_compares_and_draws_the_previous_period(client, owner, world):
    client.force_login(owner)
    page = client.get(f"/dashboard/clients/{world['acme'].pk}/?range=7d")
    assert page.context["figures"]["previous"]["totals"] == {"humans": 3, "bots": 0, "visitors": 2}
    assert "year" not in page.context["figures"]
    assert 'class="previous"' in page.text and "+3 (+100%)" in page.text
    page = client.get(f"/dashboard/clients/{world['acme'].pk}/?range=7d&compare=year")
    assert page.context["figures"]["year"]["totals"] == {"humans": 4, "bots": 0, "visitors": 1}
    assert "a year earlier" in page.text


def test_the_overview_compares_bots_and_optionally_a_year_earlier(client, owner, world):
    client.force_login(owner)
    cards = client.get("/dashboard/").context["figures"]["cards"]
    assert "year" not in cards[1] and "bots" in cards[1]["compared"]
    cards = client.get("/dashboard/?compare=year").context["figures"]["cards"]
    assert cards[1]["year"]["humans"]["before"] == 4  # 7 complete days before 15 June 2025


def names(response, key="side"):
    return [row["label"] for row in response.context[key]]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Alpha", "Beta"]),
        ("-humans", ["Alpha", "Beta"]),
        ("humans", ["Beta", "Alpha"]),
        ("name", ["Alpha", "Beta"]),
        ("-name", ["Beta", "Alpha"]),
        ("-change", ["Beta", "Alpha"]),
        ("change", ["Alpha", "Beta"]),
        ("bogus", ["Alpha", "Beta"]),
    ],
)
def test_a_clients_campaigns_sort_on_the_server(client, owner, world, sort, expected):
    client.force_login(owner)
    response = client.get(f"/dashboard/clients/{world['acme'].pk}/?range=7d&sort={sort}")
    assert names(response) == expected
    assert "<polyline" in response.text


def test_a_campaigns_links_sort_and_keep_the_range_in_sort_links(client, owner, world):
    client.force_login(owner)
    response = client.get(f"/dashboard/campaigns/{world['alpha'].pk}/?range=7d&sort=humans")
    assert names(response) == ["A two", "A one"]
    assert response.context["sort_links"]["humans"] == "?range=7d&sort=-humans"
    response = client.get(f"/dashboard/campaigns/{world['alpha'].pk}/?range=7d&sort=-change")
    assert names(response) == ["A two", "A one"]


def compare_url(kind, *objects, extra=""):
    ids = "".join(f"&ids={obj.pk}" for obj in objects)
    return f"/dashboard/compare/?kind={kind}&range=7d{ids}{extra}"


def test_staff_compare_campaigns_of_different_clients(client, owner, world):
    client.force_login(owner)
    response = client.get(compare_url("campaigns", world["alpha"], world["other_campaign"]))
    assert response.status_code == 200
    assert names(response, "rows") == ["Elsewhere", "Alpha"]  # 5 against 4 human clicks


def test_a_client_viewer_compares_only_their_own_clients_objects(client, world):
    viewer = UserFactory(role="client")
    viewer.clients.set([world["acme"]])
    client.force_login(viewer)
    own = client.get(compare_url("links", world["a1"], world["b1"]))
    assert own.status_code == 200 and names(own, "rows") == ["A one", "B one"]
    assert client.get(compare_url("links", world["a1"], world["other"])).status_code == 404
    assert client.get(compare_url("campaigns", world["other_campaign"])).status_code == 404


def test_the_compare_page_refuses_more_than_five_and_unknown_ids(client, owner, world):
    client.force_login(owner)
    links = LinkFactory.create_batch(6, client=world["acme"])
    response = client.get(compare_url("links", *links))
    assert response.context["rows"] == [] and "at most 5" in response.text
    assert client.get(compare_url("links", extra="&ids=not-a-uuid")).status_code == 404
    assert client.get(compare_url("clients", world["acme"])).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, world):
    response = client.get(compare_url("links", world["a1"]))
    assert response.status_code == 302


def test_the_client_and_campaign_lists_show_human_clicks_for_the_period(client, owner, world):
    client.force_login(owner)
    clients = client.get("/dashboard/clients/?range=7d").context["page"].object_list
    assert {c.name: c.period_clicks for c in clients} == {"Acme": 6, "Other": 5}
    campaigns = client.get("/dashboard/campaigns/?range=7d").context["page"].object_list
    assert {c.name: c.period_clicks for c in campaigns} == {"Alpha": 4, "Beta": 2, "Elsewhere": 5}
    call_command("rollup_clicks", all=True)
    rolled = client.get("/dashboard/campaigns/?range=7d").context["page"].object_list
    assert {c.name: c.period_clicks for c in rolled} == {"Alpha": 4, "Beta": 2, "Elsewhere": 5}


def test_the_limited_overview_compares_each_client_with_the_30_days_before(client, world):
    viewer = UserFactory(role="viewer")
    viewer.clients.set([world["acme"], world["other"].client])
    client.force_login(viewer)
    rows = dict(client.get("/dashboard/").context["rows"])
    acme = rows[world["acme"]]
    # Every click of June is in the last 30 days; the 30 days before hold none.
    assert (acme["now"], acme["before"]) == (10, 0)
    assert acme["new"] is True


@pytest.mark.parametrize("count", [1, 30])
def test_side_by_side_pages_have_a_fixed_query_budget(
    client, owner, frozen, django_assert_max_num_queries, count
):
    campaign = CampaignFactory()
    for link in LinkFactory.create_batch(count, client=campaign.client, campaign=campaign):
        ClickFactory(link=link, timestamp=NOW - timedelta(days=2))
        CampaignFactory(client=campaign.client)
    client.force_login(owner)
    for url, budget in {
        f"/dashboard/clients/{campaign.client_id}/": 30,
        f"/dashboard/campaigns/{campaign.pk}/": 26,
    }.items():
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200, url


def test_the_compare_pages_range_picker_keeps_what_is_compared(client, owner, world):
    client.force_login(owner)
    body = client.get(compare_url("links", world["a1"], world["b1"])).content.decode()
    form = body.split('class="range-picker card"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="kind" value="links">' in form
    for link in (world["a1"], world["b1"]):
        assert f'<input type="hidden" name="ids" value="{link.pk}">' in form
    assert 'name="compare"' not in form
